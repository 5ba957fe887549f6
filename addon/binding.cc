/*
 * hezi.node: the primitive operations TypeScript cannot do itself (src/native/addon.ts is the
 * typed facade). No policy and no wording here: failures are thrown as Error objects with
 * errno (positive), code ("EPERM") and syscall set, message "<syscall>: <strerror text>".
 *
 * Built with NAPI_DISABLE_CPP_EXCEPTIONS: errors are thrown with ThrowAsJavaScriptException and
 * the function returns an empty value at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <napi.h>

#include <algorithm>
#include <string>
#include <vector>

#include "napi_errors.h"
#include "plan_abi.h"
#include "spawn.h"

void RegisterBpf(Napi::Env env, Napi::Object exports);  // addon/bpf.cc
void RegisterTerm(Napi::Env env, Napi::Object exports); // addon/term.cc
void RegisterNetlink(Napi::Env env, Napi::Object exports); // addon/netlink.cc
#include "seccomp.h"  // RegisterSeccomp: addon/seccomp.cc

namespace {

using hz::errno_text;
using hz::ThrowErrno;
using hz::ThrowType;

Napi::Value ErrnoError(Napi::Env env, int err, const char *call) { return hz::ErrnoError(env, err, call).Value(); }

bool IsInt(const Napi::Value &v) { return v.IsNumber(); }

int64_t Int(const Napi::Value &v) { return v.As<Napi::Number>().Int64Value(); }

Napi::Object WaitResultObject(Napi::Env env, pid_t pid, int st) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("pid", Napi::Number::New(env, pid));
  if (pid > 0 && WIFEXITED(st)) {
    r.Set("code", Napi::Number::New(env, WEXITSTATUS(st)));
    r.Set("signal", env.Null());
  } else if (pid > 0 && WIFSIGNALED(st)) {
    r.Set("code", env.Null());
    r.Set("signal", Napi::Number::New(env, WTERMSIG(st)));
  } else {
    r.Set("code", env.Null());
    r.Set("signal", env.Null());
  }
  return r;
}

/* spawnInit(init: path | image, plan, stdio, preserveFds, extraFds?, cgroupFd?) → { pid, syncFd, intoCgroup } */
Napi::Value SpawnInit(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !(info[0].IsString() || info[0].IsBuffer()) || !info[1].IsBuffer() || !info[2].IsArray() || !IsInt(info[3]))
    return ThrowType(env, "spawnInit(init: string | Buffer, plan: Buffer, stdio: [number, number, number], preserveFds: number)");
  std::string path;
  const uint8_t *image = nullptr;
  size_t image_len = 0;
  if (info[0].IsBuffer()) {
    Napi::Buffer<uint8_t> b = info[0].As<Napi::Buffer<uint8_t>>();
    image = b.Data();
    image_len = b.Length();
  } else {
    path = info[0].As<Napi::String>().Utf8Value();
  }
  Napi::Buffer<uint8_t> plan = info[1].As<Napi::Buffer<uint8_t>>();
  Napi::Array arr = info[2].As<Napi::Array>();
  if (arr.Length() != 3) return ThrowType(env, "spawnInit: stdio must have 3 entries");
  int stdio[3];
  for (uint32_t i = 0; i < 3; i++) {
    Napi::Value v = arr.Get(i);
    if (!IsInt(v)) return ThrowType(env, "spawnInit: stdio entries must be numbers");
    stdio[i] = (int)Int(v);
  }
  int extra[HZ_SPAWN_MAX_EXTRA];
  int n_extra = 0;
  if (info.Length() >= 5 && !info[4].IsUndefined()) {
    if (!info[4].IsArray()) return ThrowType(env, "spawnInit: extraFds must be an array of numbers");
    Napi::Array ex = info[4].As<Napi::Array>();
    if (ex.Length() > HZ_SPAWN_MAX_EXTRA) return ThrowType(env, "spawnInit: too many extraFds");
    for (uint32_t i = 0; i < ex.Length(); i++) {
      Napi::Value v = ex.Get(i);
      if (!IsInt(v)) return ThrowType(env, "spawnInit: extraFds entries must be numbers");
      extra[n_extra++] = (int)Int(v);
    }
  }
  int cgroup_fd = -1;
  if (info.Length() >= 6 && !info[5].IsUndefined()) {
    if (!IsInt(info[5])) return ThrowType(env, "spawnInit: cgroupFd must be a number");
    cgroup_fd = (int)Int(info[5]);
  }
  hz_spawn_result r;
  hz_spawn_init(path.c_str(), image, image_len, plan.Data(), plan.Length(), stdio, (int)Int(info[3]), extra, n_extra, cgroup_fd, &r);
  if (r.err) return ThrowErrno(env, r.err, r.call);
  Napi::Object o = Napi::Object::New(env);
  o.Set("pid", Napi::Number::New(env, r.pid));
  o.Set("syncFd", Napi::Number::New(env, r.sync_fd));
  o.Set("intoCgroup", Napi::Boolean::New(env, r.into_cgroup != 0));
  return o;
}

/* recvMsg(fd, timeoutMs) → InitMsg | null (EOF); ETIMEDOUT after timeoutMs (< 0: forever) */
Napi::Value RecvMsg(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !IsInt(info[0]) || !IsInt(info[1])) return ThrowType(env, "recvMsg(fd: number, timeoutMs: number)");
  int fd = (int)Int(info[0]);
  int64_t timeout = Int(info[1]);
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  /* per call, not static: the addon may be loaded in several worker threads */
  std::vector<uint8_t> storage(sizeof(hz_msg) + HZ_MSG_MAX_PAYLOAD);
  uint8_t *buf = storage.data();
  ssize_t n;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  struct msghdr mh;
  for (;;) {
    int wait = -1;
    if (timeout >= 0) {
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      int64_t spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
      int64_t left = timeout - spent;
      wait = left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
    }
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, wait);
    if (r < 0) {
      if (errno == EINTR) continue;
      return ThrowErrno(env, errno, "poll");
    }
    if (r == 0) return ThrowErrno(env, ETIMEDOUT, "poll");
    if (p.revents & POLLNVAL) return ThrowErrno(env, EBADF, "poll");
    /* recvmsg, not recv: a message may carry one fd as SCM_RIGHTS (HZ_MSG_SECCOMP_FD) */
    struct iovec iov = {buf, storage.size()};
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n >= 0) break;
    if (errno == EINTR || errno == EAGAIN) continue;
    return ThrowErrno(env, errno, "recv");
  }
  int passed = -1; /* the first fd received; any others are closed */
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t j = 0; j < k; j++) {
      int f;
      memcpy(&f, CMSG_DATA(c) + j * sizeof(int), sizeof f);
      if (passed < 0)
        passed = f;
      else
        close(f);
    }
  }
  if (n == 0 || (size_t)n < sizeof(hz_msg)) {
    if (passed >= 0) close(passed);
    if (n == 0) return env.Null();
    return ThrowErrno(env, EPROTO, "recv");
  }
  hz_msg m;
  memcpy(&m, buf, sizeof m);
  size_t avail = (size_t)n - sizeof m;
  size_t len = m.len < avail ? m.len : avail;
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", Napi::Number::New(env, m.type));
  o.Set("op", Napi::Number::New(env, m.op));
  o.Set("err", Napi::Number::New(env, m.err));
  o.Set("pid", Napi::Number::New(env, m.pid));
  o.Set("status", Napi::Number::New(env, m.status));
  o.Set("fd", Napi::Number::New(env, passed));
  if (len > 0)
    o.Set("payload", Napi::Buffer<uint8_t>::Copy(env, buf + sizeof m, len));
  else
    o.Set("payload", env.Null());
  return o;
}

/* sendMsg(fd, type, payload?) */
Napi::Value SendMsg(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !IsInt(info[0]) || !IsInt(info[1]))
    return ThrowType(env, "sendMsg(fd: number, type: number, payload?: Buffer)");
  int fd = (int)Int(info[0]);
  const uint8_t *data = nullptr;
  size_t len = 0;
  if (info.Length() >= 3 && !info[2].IsUndefined() && !info[2].IsNull()) {
    if (!info[2].IsBuffer()) return ThrowType(env, "sendMsg: payload must be a Buffer");
    Napi::Buffer<uint8_t> b = info[2].As<Napi::Buffer<uint8_t>>();
    data = b.Data();
    len = b.Length();
  }
  if (len > HZ_MSG_MAX_PAYLOAD) return ThrowErrno(env, EMSGSIZE, "send");
  hz_msg m;
  memset(&m, 0, sizeof m);
  m.type = (uint32_t)Int(info[1]);
  m.len = (uint32_t)len;
  struct iovec iov[2] = {{&m, sizeof m}, {(void *)data, len}};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = iov;
  mh.msg_iovlen = len ? 2 : 1;
  ssize_t n;
  do n = sendmsg(fd, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return ThrowErrno(env, errno, "send");
  return env.Undefined();
}

/* waitPid(pid, nohang) → { pid, code, signal } (pid 0: nohang and no change) */
Napi::Value WaitPid(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !IsInt(info[0])) return ThrowType(env, "waitPid(pid: number, nohang: boolean)");
  bool nohang = info.Length() >= 2 && info[1].ToBoolean().Value();
  int st = 0;
  pid_t r;
  do r = waitpid((pid_t)Int(info[0]), &st, nohang ? WNOHANG : 0);
  while (r < 0 && errno == EINTR);
  if (r < 0) return ThrowErrno(env, errno, "waitpid");
  return WaitResultObject(env, r, st);
}

class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, pid_t pid) : Napi::AsyncWorker(env, "hezi:waitpid"), pid_(pid), deferred_(env) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    do result_ = waitpid(pid_, &status_, 0);
    while (result_ < 0 && errno == EINTR);
    err_ = result_ < 0 ? errno : 0;
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (err_)
      deferred_.Reject(ErrnoError(env, err_, "waitpid"));
    else
      deferred_.Resolve(WaitResultObject(env, result_, status_));
  }

 private:
  pid_t pid_;
  pid_t result_ = -1;
  int status_ = 0;
  int err_ = 0;
  Napi::Promise::Deferred deferred_;
};

/* waitPidAsync(pid) → Promise<{ pid, code, signal }> (waitpid in the libuv thread pool) */
Napi::Value WaitPidAsync(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !IsInt(info[0])) return ThrowType(env, "waitPidAsync(pid: number)");
  WaitWorker *w = new WaitWorker(env, (pid_t)Int(info[0]));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value SetChildSubreaper(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  bool on = info.Length() >= 1 && info[0].ToBoolean().Value();
  if (prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0) < 0) return ThrowErrno(env, errno, "prctl");
  return env.Undefined();
}

Napi::Value Mkfifo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !IsInt(info[1])) return ThrowType(env, "mkfifo(path: string, mode: number)");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (mkfifo(path.c_str(), (mode_t)Int(info[1])) < 0) return ThrowErrno(env, errno, "mkfifo");
  return env.Undefined();
}

Napi::Value Flock(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !IsInt(info[0]) || !info[1].IsString())
    return ThrowType(env, "flock(fd: number, op: 'sh' | 'ex' | 'un', nonblock: boolean)");
  std::string op = info[1].As<Napi::String>().Utf8Value();
  int how;
  if (op == "sh")
    how = LOCK_SH;
  else if (op == "ex")
    how = LOCK_EX;
  else if (op == "un")
    how = LOCK_UN;
  else
    return ThrowType(env, "flock: op must be 'sh', 'ex' or 'un'");
  if (info.Length() >= 3 && info[2].ToBoolean().Value()) how |= LOCK_NB;
  int r;
  do r = flock((int)Int(info[0]), how);
  while (r < 0 && errno == EINTR);
  if (r < 0) return ThrowErrno(env, errno, "flock");
  return env.Undefined();
}

Napi::Value Strerror(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !IsInt(info[0])) return ThrowType(env, "strerror(errno: number)");
  return Napi::String::New(env, errno_text((int)Int(info[0])));
}

Napi::Value Umount2(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return ThrowType(env, "umount2(path: string, flags: number)");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int flags = info.Length() >= 2 && IsInt(info[1]) ? (int)Int(info[1]) : 0;
  if (umount2(path.c_str(), flags) < 0) return ThrowErrno(env, errno, "umount2");
  return env.Undefined();
}

/*
 * readFileInRoot(root, rel, max) → Buffer of at most max+1 bytes (more than max: the file is
 * longer), or null when there is no such file. rel is resolved inside root (openat2
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: a symlink of the container never leads out of it), opened
 * O_NONBLOCK|O_NOCTTY (a FIFO cannot block, a tty cannot become ours) and must be a regular file
 * (else EINVAL: /dev/zero is not read).
 */
Napi::Value ReadFileInRoot(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !IsInt(info[2]))
    return ThrowType(env, "readFileInRoot(root: string, rel: string, max: number)");
  std::string root = info[0].As<Napi::String>().Utf8Value();
  std::string rel = info[1].As<Napi::String>().Utf8Value();
  int64_t max = Int(info[2]);
  if (max < 0 || max > (64 << 20)) return ThrowType(env, "readFileInRoot: max must be 0..64 MiB");
  int rfd = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0) return ThrowErrno(env, errno, "open");
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = (int)syscall(SYS_openat2, rfd, rel.c_str(), &how, sizeof how);
  int err = fd < 0 ? errno : 0;
  close(rfd);
  if (fd < 0) return err == ENOENT ? env.Null() : ThrowErrno(env, err, "openat2");
  struct stat st;
  if (fstat(fd, &st) < 0)
    err = errno;
  else if (!S_ISREG(st.st_mode))
    err = EINVAL;
  if (err) {
    close(fd);
    return ThrowErrno(env, err, "fstat");
  }
  /* sized by the file (not by `max`: a 4 MiB cap must not cost 4 MiB of zeroed memory per call), grown
   * if it reads longer than it said, never past max + 1 */
  const size_t cap = (size_t)max + 1;
  std::vector<uint8_t> buf(std::min(cap, std::max<size_t>((size_t)st.st_size + 1, 4096)));
  size_t got = 0;
  for (;;) {
    if (got == buf.size()) {
      if (buf.size() == cap) break;
      buf.resize(std::min(cap, buf.size() * 2));
    }
    ssize_t n = read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      close(fd);
      return ThrowErrno(env, err, "read");
    }
    if (n == 0) break;
    got += (size_t)n;
  }
  close(fd);
  return Napi::Buffer<uint8_t>::Copy(env, buf.data(), got);
}

/* mount(src, target, fstype, flags, data): "" → NULL */
Napi::Value Mount(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsString() || !info[1].IsString() || !info[2].IsString() || !IsInt(info[3]) || !info[4].IsString())
    return ThrowType(env, "mount(src: string, target: string, fstype: string, flags: number, data: string)");
  std::string src = info[0].As<Napi::String>().Utf8Value(), target = info[1].As<Napi::String>().Utf8Value();
  std::string fstype = info[2].As<Napi::String>().Utf8Value(), data = info[4].As<Napi::String>().Utf8Value();
  if (mount(src.empty() ? nullptr : src.c_str(), target.c_str(), fstype.empty() ? nullptr : fstype.c_str(), (unsigned long)Int(info[3]),
            data.empty() ? nullptr : data.c_str()) < 0)
    return ThrowErrno(env, errno, "mount");
  return env.Undefined();
}

/* pidfdOpen(pid) → a pidfd (CLOEXEC) */
Napi::Value PidfdOpen(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !IsInt(info[0])) return ThrowType(env, "pidfdOpen(pid: number)");
  long fd = syscall(SYS_pidfd_open, (pid_t)Int(info[0]), 0);
  if (fd < 0) return ThrowErrno(env, errno, "pidfd_open");
  return Napi::Number::New(env, (double)fd);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnInit", Napi::Function::New(env, SpawnInit, "spawnInit"));
  exports.Set("recvMsg", Napi::Function::New(env, RecvMsg, "recvMsg"));
  exports.Set("sendMsg", Napi::Function::New(env, SendMsg, "sendMsg"));
  exports.Set("waitPid", Napi::Function::New(env, WaitPid, "waitPid"));
  exports.Set("waitPidAsync", Napi::Function::New(env, WaitPidAsync, "waitPidAsync"));
  exports.Set("setChildSubreaper", Napi::Function::New(env, SetChildSubreaper, "setChildSubreaper"));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo, "mkfifo"));
  exports.Set("flock", Napi::Function::New(env, Flock, "flock"));
  exports.Set("strerror", Napi::Function::New(env, Strerror, "strerror"));
  exports.Set("umount2", Napi::Function::New(env, Umount2, "umount2"));
  exports.Set("readFileInRoot", Napi::Function::New(env, ReadFileInRoot, "readFileInRoot"));
  exports.Set("mount", Napi::Function::New(env, Mount, "mount"));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen, "pidfdOpen"));
  RegisterBpf(env, exports);
  RegisterTerm(env, exports);
  RegisterNetlink(env, exports);
  RegisterSeccomp(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(hezi, Init)
