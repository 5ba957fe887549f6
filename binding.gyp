{
  "targets": [
    {
      # the node-addon-api addon: build/Release/hezi.node
      "target_name": "hezi",
      "sources": ["addon/binding.cc", "addon/spawn.cc", "addon/bpf.cc", "addon/seccomp.cc", "addon/term.cc", "addon/netlink.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "addon"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags_cc": ["-std=gnu++17", "-fno-exceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      # the standalone executable must run where only glibc is installed: no libstdc++.so / libgcc_s.so
      # and small (it is copied into a memfd by every command that loads it): unused sections
      # dropped, no symbol table (the N-API entry point is in .dynsym)
      "cflags": ["-ffunction-sections", "-fdata-sections"],
      "ldflags": ["-static-libstdc++", "-static-libgcc", "-Wl,--gc-sections", "-s"],
    },
    {
      # the container init: a static, single-threaded, libstdc++-free executable (build/Release/hezi-init)
      "target_name": "hezi-init",
      "type": "executable",
      "sources": [
        "addon/init/main.cc",
        "addon/init/util.cc",
        "addon/init/fs.cc",
        "addon/init/idmap.cc",
        "addon/init/proc.cc",
        "addon/init/tty.cc",
      ],
      "include_dirs": ["addon"],
      "defines": ["_GNU_SOURCE"],
      "cflags!": ["-pthread", "-O3", "-fPIC", "-fPIE"],
      "cflags_cc!": ["-pthread", "-O3", "-fPIC", "-fPIE"],
      "ldflags!": ["-pthread", "-rdynamic"],
      "cflags": [
        "-O2",
        "-fno-exceptions",
        "-fno-rtti",
        "-fno-asynchronous-unwind-tables",
        "-fno-unwind-tables",
        "-fno-threadsafe-statics",
        "-fno-stack-protector",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
      ],
      "cflags_cc": ["-std=gnu++17", "-fno-exceptions", "-fno-rtti"],
      "ldflags": ["-static", "-s", "-O2", "-Wl,--gc-sections", "-Wl,-O1"],
      "configurations": {
        "Release": {
          "cflags!": ["-O3"],
          "cflags": ["-O2"],
        },
      },
    },
  ],
}
