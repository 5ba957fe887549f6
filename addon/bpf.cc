/*
 * bpf(2) primitives for the cgroup v2 device controller. The program itself is generated in
 * TypeScript (src/linux/cgroups/device-filter.ts); this file only hands instructions to the
 * kernel and attaches/queries/detaches programs on a cgroup directory. No policy here.
 *
 *   bpfProgLoad(progType, insns: Buffer, license) → fd   (throws; error.log = verifier log)
 *   bpfProgAttach(progFd, cgroupDir, attachType, flags)
 *   bpfProgQuery(cgroupDir, attachType) → number[]       (ids of the programs attached there)
 *   bpfProgDetach(cgroupDir, progId, attachType)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <napi.h>
#include "napi_errors.h"

#include <string>
#include <vector>

namespace {

long sys_bpf(int cmd, union bpf_attr *attr) { return syscall(__NR_bpf, cmd, attr, sizeof(*attr)); }

Napi::Error BpfError(Napi::Env env, int err, const char *call) { return hz::ErrnoError(env, err, call); }
Napi::Value Throw(Napi::Env env, int err, const char *call) { return hz::ThrowErrno(env, err, call); }
using hz::ThrowType;

int OpenDir(const std::string &path) { return open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }

Napi::Value ProgLoad(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsBuffer() || !info[2].IsString())
    return ThrowType(env, "bpfProgLoad(progType: number, insns: Buffer, license: string)");
  auto insns = info[1].As<Napi::Buffer<uint8_t>>();
  if (insns.Length() == 0 || insns.Length() % sizeof(struct bpf_insn) != 0) return ThrowType(env, "bpfProgLoad: insns must be a non-empty array of 8-byte instructions");
  std::string license = info[2].As<Napi::String>().Utf8Value();

  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = info[0].As<Napi::Number>().Uint32Value();
  attr.insns = (uint64_t)(uintptr_t)insns.Data();
  attr.insn_cnt = insns.Length() / sizeof(struct bpf_insn);
  attr.license = (uint64_t)(uintptr_t)license.c_str();
  int fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0) {
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    return Napi::Number::New(env, fd);
  }
  int err = errno;
  // again with the verifier log, for the error message
  std::vector<char> log(64 * 1024);
  attr.log_buf = (uint64_t)(uintptr_t)log.data();
  attr.log_size = log.size();
  attr.log_level = 1;
  fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0) {  // should not happen; keep the program anyway
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    return Napi::Number::New(env, fd);
  }
  Napi::Error e = BpfError(env, err, "bpf(BPF_PROG_LOAD)");
  log.back() = '\0';
  e.Value().Set("log", Napi::String::New(env, log.data()));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ProgAttach(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsNumber() || !info[3].IsNumber())
    return ThrowType(env, "bpfProgAttach(progFd: number, cgroupDir: string, attachType: number, flags: number)");
  int dfd = OpenDir(info[1].As<Napi::String>().Utf8Value());
  if (dfd < 0) return Throw(env, errno, "open");
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.target_fd = dfd;
  attr.attach_bpf_fd = info[0].As<Napi::Number>().Int32Value();
  attr.attach_type = info[2].As<Napi::Number>().Uint32Value();
  attr.attach_flags = info[3].As<Napi::Number>().Uint32Value();
  long r = sys_bpf(BPF_PROG_ATTACH, &attr);
  int err = errno;
  close(dfd);
  if (r < 0) return Throw(env, err, "bpf(BPF_PROG_ATTACH)");
  return env.Undefined();
}

Napi::Value ProgQuery(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber())
    return ThrowType(env, "bpfProgQuery(cgroupDir: string, attachType: number)");
  int dfd = OpenDir(info[0].As<Napi::String>().Utf8Value());
  if (dfd < 0) return Throw(env, errno, "open");
  std::vector<uint32_t> ids(64);
  union bpf_attr attr;
  for (;;) {
    memset(&attr, 0, sizeof attr);
    attr.query.target_fd = dfd;
    attr.query.attach_type = info[1].As<Napi::Number>().Uint32Value();
    attr.query.prog_ids = (uint64_t)(uintptr_t)ids.data();
    attr.query.prog_cnt = ids.size();
    if (sys_bpf(BPF_PROG_QUERY, &attr) == 0) break;
    int err = errno;
    if (err == ENOSPC && attr.query.prog_cnt > ids.size()) {
      ids.resize(attr.query.prog_cnt);
      continue;
    }
    close(dfd);
    return Throw(env, err, "bpf(BPF_PROG_QUERY)");
  }
  close(dfd);
  Napi::Array out = Napi::Array::New(env, attr.query.prog_cnt);
  for (uint32_t k = 0; k < attr.query.prog_cnt; k++) out.Set(k, Napi::Number::New(env, ids[k]));
  return out;
}

Napi::Value ProgDetach(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber())
    return ThrowType(env, "bpfProgDetach(cgroupDir: string, progId: number, attachType: number)");
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_id = info[1].As<Napi::Number>().Uint32Value();
  int pfd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
  if (pfd < 0) return Throw(env, errno, "bpf(BPF_PROG_GET_FD_BY_ID)");
  int dfd = OpenDir(info[0].As<Napi::String>().Utf8Value());
  if (dfd < 0) {
    int err = errno;
    close(pfd);
    return Throw(env, err, "open");
  }
  memset(&attr, 0, sizeof attr);
  attr.target_fd = dfd;
  attr.attach_bpf_fd = pfd;
  attr.attach_type = info[2].As<Napi::Number>().Uint32Value();
  long r = sys_bpf(BPF_PROG_DETACH, &attr);
  int err = errno;
  close(dfd);
  close(pfd);
  if (r < 0) return Throw(env, err, "bpf(BPF_PROG_DETACH)");
  return env.Undefined();
}

}  // namespace

/* Called from Init in binding.cc. */
void RegisterBpf(Napi::Env env, Napi::Object exports) {
  exports.Set("bpfProgLoad", Napi::Function::New(env, ProgLoad, "bpfProgLoad"));
  exports.Set("bpfProgAttach", Napi::Function::New(env, ProgAttach, "bpfProgAttach"));
  exports.Set("bpfProgQuery", Napi::Function::New(env, ProgQuery, "bpfProgQuery"));
  exports.Set("bpfProgDetach", Napi::Function::New(env, ProgDetach, "bpfProgDetach"));
}
