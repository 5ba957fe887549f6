/*
 * hezi.node, seccomp part: libseccomp loaded at run time with dlopen("libseccomp.so.2"), so the
 * addon builds without libseccomp-dev and runs without libseccomp as long as no config asks for
 * seccomp. Plus the fd passing a seccomp listener needs (Node cannot send SCM_RIGHTS itself).
 *
 * Mechanism only: src/linux/seccomp.ts decides every value (action and operator codes, arch
 * tokens, which rules, which attributes) and words every error. Failures are thrown as errno
 * errors (see binding.cc) with two more properties: `stage` ("init" | "arch" | "attr" | "rule" |
 * "export") and `index` (the arch/rule index in the description, -1 if none).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <napi.h>
#include "napi_errors.h"

#include <string>
#include <vector>

#include "seccomp.h"

#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif

namespace {

/* ---- the few libseccomp declarations we need (seccomp.h of libseccomp 2.x) -------------- */

typedef void *scmp_filter_ctx;
struct scmp_version {
  unsigned int major;
  unsigned int minor;
  unsigned int micro;
};
/* struct scmp_arg_cmp: enum scmp_compare is an int-sized enum; scmp_datum_t is uint64_t */
struct scmp_arg_cmp {
  unsigned int arg;
  int op;
  uint64_t datum_a;
  uint64_t datum_b;
};

struct Lib {
  void *handle = nullptr;
  std::string error;
  scmp_filter_ctx (*init)(uint32_t def_action) = nullptr;
  void (*release)(scmp_filter_ctx ctx) = nullptr;
  int (*arch_add)(scmp_filter_ctx ctx, uint32_t arch_token) = nullptr;
  uint32_t (*arch_native)(void) = nullptr;
  int (*attr_set)(scmp_filter_ctx ctx, int attr, uint32_t value) = nullptr;
  int (*syscall_resolve_name)(const char *name) = nullptr;
  int (*syscall_resolve_name_arch)(uint32_t arch_token, const char *name) = nullptr;
  int (*rule_add_array)(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,
                        const scmp_arg_cmp *arg_array) = nullptr;
  int (*export_bpf)(const scmp_filter_ctx ctx, int fd) = nullptr;
  const scmp_version *(*version)(void) = nullptr;
  unsigned int (*api_get)(void) = nullptr; /* libseccomp >= 2.4 */
};

Lib g_lib;
bool g_tried = false;

template <typename T>
bool Sym(T &slot, const char *name) {
  slot = reinterpret_cast<T>(dlsym(g_lib.handle, name));
  if (!slot && g_lib.error.empty()) g_lib.error = std::string("libseccomp.so.2 has no symbol ") + name;
  return slot != nullptr;
}

/* Load once; true when every required symbol is there. */
bool Load() {
  if (g_tried) return g_lib.handle && g_lib.error.empty();
  g_tried = true;
  g_lib.handle = dlopen("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!g_lib.handle) {
    const char *e = dlerror();
    g_lib.error = e ? e : "dlopen libseccomp.so.2 failed";
    return false;
  }
  bool ok = true;
  ok &= Sym(g_lib.init, "seccomp_init");
  ok &= Sym(g_lib.release, "seccomp_release");
  ok &= Sym(g_lib.arch_add, "seccomp_arch_add");
  ok &= Sym(g_lib.arch_native, "seccomp_arch_native");
  ok &= Sym(g_lib.attr_set, "seccomp_attr_set");
  ok &= Sym(g_lib.syscall_resolve_name, "seccomp_syscall_resolve_name");
  ok &= Sym(g_lib.syscall_resolve_name_arch, "seccomp_syscall_resolve_name_arch");
  ok &= Sym(g_lib.rule_add_array, "seccomp_rule_add_array");
  ok &= Sym(g_lib.export_bpf, "seccomp_export_bpf");
  ok &= Sym(g_lib.version, "seccomp_version");
  g_lib.api_get = reinterpret_cast<unsigned int (*)(void)>(dlsym(g_lib.handle, "seccomp_api_get"));
  return ok;
}

Napi::Value Throw(Napi::Env env, int err, const char *call, const char *stage = nullptr, int index = -1) {
  Napi::Error e = hz::ErrnoError(env, err, call);
  if (stage) {
    e.Value().Set("stage", Napi::String::New(env, stage));
    e.Value().Set("index", Napi::Number::New(env, index));
  }
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

using hz::ThrowType;

/* Closes the filter context on every return path. */
struct Ctx {
  scmp_filter_ctx p = nullptr;
  ~Ctx() {
    if (p) g_lib.release(p);
  }
};

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

uint32_t U32(const Napi::Value &v) { return (uint32_t)v.As<Napi::Number>().Int64Value(); }

/* seccompInfo() → { loaded: true, major, minor, micro, apiLevel, nativeArch } | { loaded: false, error } */
Napi::Value SeccompInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  if (!Load()) {
    o.Set("loaded", Napi::Boolean::New(env, false));
    o.Set("error", Napi::String::New(env, g_lib.error));
    return o;
  }
  const scmp_version *v = g_lib.version();
  o.Set("loaded", Napi::Boolean::New(env, true));
  o.Set("major", Napi::Number::New(env, v ? v->major : 0));
  o.Set("minor", Napi::Number::New(env, v ? v->minor : 0));
  o.Set("micro", Napi::Number::New(env, v ? v->micro : 0));
  o.Set("apiLevel", Napi::Number::New(env, g_lib.api_get ? g_lib.api_get() : 0));
  o.Set("nativeArch", Napi::Number::New(env, g_lib.arch_native()));
  return o;
}

/*
 * seccompCompile({ defaultAction, arches: number[], attrs: [attr, value][],
 *                  rules: { name, action, args: { index, op, a: bigint, b: bigint }[] }[] })
 *   → { bpf: Buffer, unknown: number[] (rule indices whose name libseccomp does not know),
 *       attrErrors: number[] (errno per attr, 0 = set) }
 */
Napi::Value SeccompCompile(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) return ThrowType(env, "seccompCompile(description: object)");
  if (!Load()) return Throw(env, ENOENT, "dlopen libseccomp.so.2", "init", -1);
  Napi::Object d = info[0].As<Napi::Object>();
  Napi::Value def = d.Get("defaultAction");
  Napi::Value arches = d.Get("arches");
  Napi::Value attrs = d.Get("attrs");
  Napi::Value rules = d.Get("rules");
  if (!def.IsNumber() || !arches.IsArray() || !attrs.IsArray() || !rules.IsArray())
    return ThrowType(env, "seccompCompile: defaultAction: number, arches: number[], attrs: [number, number][], rules: object[]");

  Ctx ctx;
  ctx.p = g_lib.init(U32(def));
  if (!ctx.p) return Throw(env, EINVAL, "seccomp_init", "init", -1);

  Napi::Array a = arches.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value t = a.Get(i);
    if (!t.IsNumber()) return ThrowType(env, "seccompCompile: arches must be numbers");
    int rc = g_lib.arch_add(ctx.p, U32(t));
    if (rc < 0) return Throw(env, -rc, "seccomp_arch_add", "arch", (int)i);
  }

  Napi::Array at = attrs.As<Napi::Array>();
  Napi::Array attrErrors = Napi::Array::New(env, at.Length());
  for (uint32_t i = 0; i < at.Length(); i++) {
    Napi::Value p = at.Get(i);
    if (!p.IsArray() || p.As<Napi::Array>().Length() != 2) return ThrowType(env, "seccompCompile: attrs must be [attr, value] pairs");
    Napi::Array pa = p.As<Napi::Array>();
    int rc = g_lib.attr_set(ctx.p, (int)U32(pa.Get(0u)), U32(pa.Get(1u)));
    attrErrors.Set(i, Napi::Number::New(env, rc < 0 ? -rc : 0));
  }

  Napi::Array r = rules.As<Napi::Array>();
  Napi::Array unknown = Napi::Array::New(env);
  uint32_t nunknown = 0;
  std::vector<scmp_arg_cmp> cmps;
  for (uint32_t i = 0; i < r.Length(); i++) {
    Napi::Value rv = r.Get(i);
    if (!rv.IsObject()) return ThrowType(env, "seccompCompile: rules must be objects");
    Napi::Object rule = rv.As<Napi::Object>();
    Napi::Value name = rule.Get("name");
    Napi::Value action = rule.Get("action");
    Napi::Value args = rule.Get("args");
    if (!name.IsString() || !action.IsNumber() || !args.IsArray())
      return ThrowType(env, "seccompCompile: a rule is { name: string, action: number, args: object[] }");
    std::string nm = name.As<Napi::String>().Utf8Value();
    int nr = g_lib.syscall_resolve_name(nm.c_str());
    if (nr == -1 /* __NR_SCMP_ERROR */) {
      unknown.Set(nunknown++, Napi::Number::New(env, i));
      continue;
    }
    Napi::Array aa = args.As<Napi::Array>();
    cmps.clear();
    for (uint32_t k = 0; k < aa.Length(); k++) {
      Napi::Value cv = aa.Get(k);
      if (!cv.IsObject()) return ThrowType(env, "seccompCompile: args must be objects");
      Napi::Object c = cv.As<Napi::Object>();
      Napi::Value idx = c.Get("index"), op = c.Get("op"), va = c.Get("a"), vb = c.Get("b");
      if (!idx.IsNumber() || !op.IsNumber() || !va.IsBigInt() || !vb.IsBigInt())
        return ThrowType(env, "seccompCompile: an arg is { index: number, op: number, a: bigint, b: bigint }");
      bool lossless = true;
      scmp_arg_cmp cmp;
      cmp.arg = U32(idx);
      cmp.op = (int)U32(op);
      cmp.datum_a = va.As<Napi::BigInt>().Uint64Value(&lossless);
      cmp.datum_b = vb.As<Napi::BigInt>().Uint64Value(&lossless);
      cmps.push_back(cmp);
    }
    int rc = g_lib.rule_add_array(ctx.p, U32(action), nr, (unsigned)cmps.size(), cmps.empty() ? nullptr : cmps.data());
    if (rc < 0) return Throw(env, -rc, "seccomp_rule_add", "rule", (int)i);
  }

  Fd mem;
  mem.fd = memfd_create("hezi-seccomp-bpf", MFD_CLOEXEC);
  if (mem.fd < 0) return Throw(env, errno, "memfd_create", "export", -1);
  int rc = g_lib.export_bpf(ctx.p, mem.fd);
  if (rc < 0) return Throw(env, -rc, "seccomp_export_bpf", "export", -1);
  struct stat st;
  if (fstat(mem.fd, &st) < 0) return Throw(env, errno, "fstat", "export", -1);
  std::vector<uint8_t> bytes((size_t)st.st_size);
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = pread(mem.fd, bytes.data() + got, bytes.size() - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Throw(env, errno, "read", "export", -1);
    if (n == 0) break;
    got += (size_t)n;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("bpf", Napi::Buffer<uint8_t>::Copy(env, bytes.data(), got));
  out.Set("unknown", unknown);
  out.Set("attrErrors", attrErrors);
  return out;
}

/* seccompResolve(arch, names: string[]) → number[]: each name's syscall number on that arch
 * (seccomp_syscall_resolve_name_arch; -1 unknown, other negatives are libseccomp pseudo numbers) */
Napi::Value SeccompResolve(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsArray()) return ThrowType(env, "seccompResolve(arch: number, names: string[])");
  if (!Load()) return Throw(env, ENOENT, "dlopen libseccomp.so.2", "init", -1);
  uint32_t arch = U32(info[0]);
  Napi::Array names = info[1].As<Napi::Array>();
  Napi::Array out = Napi::Array::New(env, names.Length());
  for (uint32_t i = 0; i < names.Length(); i++) {
    Napi::Value v = names.Get(i);
    if (!v.IsString()) return ThrowType(env, "seccompResolve: names must be strings");
    std::string nm = v.As<Napi::String>().Utf8Value();
    out.Set(i, Napi::Number::New(env, g_lib.syscall_resolve_name_arch(arch, nm.c_str())));
  }
  return out;
}

/* seccompProbeAction(action) → errno of seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action) (0: available) */
Napi::Value SeccompProbeAction(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return ThrowType(env, "seccompProbeAction(action: number)");
  uint32_t action = U32(info[0]);
  long r = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
  return Napi::Number::New(env, r < 0 ? errno : 0);
}

/* seccompProbeFlags(flags) → errno of seccomp(SECCOMP_SET_MODE_FILTER, flags, NULL): the kernel
 * checks the flags before it reads the filter, so EFAULT means it knows them, EINVAL that it
 * does not. Nothing is ever installed. */
Napi::Value SeccompProbeFlags(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return ThrowType(env, "seccompProbeFlags(flags: number)");
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)U32(info[0]), nullptr);
  return Napi::Number::New(env, r < 0 ? errno : 0);
}

/* sendFds(sock, data: Buffer, fds: number[]) → bytes sent by one sendmsg carrying fds as SCM_RIGHTS */
Napi::Value SendFds(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsBuffer() || !info[2].IsArray())
    return ThrowType(env, "sendFds(sock: number, data: Buffer, fds: number[])");
  int sock = (int)info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<uint8_t> data = info[1].As<Napi::Buffer<uint8_t>>();
  Napi::Array arr = info[2].As<Napi::Array>();
  std::vector<int> fds;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsNumber()) return ThrowType(env, "sendFds: fds must be numbers");
    fds.push_back(v.As<Napi::Number>().Int32Value());
  }
  if (fds.size() > 253) return Throw(env, EINVAL, "sendmsg");
  uint8_t one = 0;
  struct iovec iov = {data.Length() ? (void *)data.Data() : (void *)&one, data.Length() ? data.Length() : 1};
  std::vector<uint8_t> control(CMSG_SPACE(sizeof(int) * (fds.empty() ? 1 : fds.size())));
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (!fds.empty()) {
    mh.msg_control = control.data();
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do n = sendmsg(sock, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return Throw(env, errno, "sendmsg");
  return Napi::Number::New(env, data.Length() ? (double)n : 0);
}

}  // namespace

void RegisterSeccomp(Napi::Env env, Napi::Object exports) {
  exports.Set("seccompInfo", Napi::Function::New(env, SeccompInfo, "seccompInfo"));
  exports.Set("seccompCompile", Napi::Function::New(env, SeccompCompile, "seccompCompile"));
  exports.Set("seccompProbeAction", Napi::Function::New(env, SeccompProbeAction, "seccompProbeAction"));
  exports.Set("seccompResolve", Napi::Function::New(env, SeccompResolve, "seccompResolve"));
  exports.Set("seccompProbeFlags", Napi::Function::New(env, SeccompProbeFlags, "seccompProbeFlags"));
  exports.Set("sendFds", Napi::Function::New(env, SendFds, "sendFds"));
}
