/*
 * Terminal and console-socket primitives. No policy here: which socket, which size, and every
 * error sentence are decided in TypeScript (src/runtime/terminal.ts).
 *
 * And the AF_UNIX primitives the runtime's other sockets need (sd_notify, criu swrk, pidfds):
 *
 *   connectUnix(path, type?) → fd     AF_UNIX (SOCK_STREAM by default), CLOEXEC, connected; "@x" is
 *                                     the abstract name "x"
 *   bindUnix(path, type?) → fd        the same, bound (a datagram socket to receive on)
 *   socketPair(type?) → [fd, fd]      AF_UNIX (SOCK_STREAM by default), CLOEXEC
 *   recvFd(sock, timeoutMs) → { fd, name } | null
 *                                     one message carrying exactly one fd (received CLOEXEC) and its
 *                                     data (the pty name); null on EOF; ETIMEDOUT; EPROTO otherwise
 *   recvPacket(sock, timeoutMs) → { data, fds } | null
 *                                     one message with any fds (up to 16); null on EOF; ETIMEDOUT
 *   waitReadable(fd, timeoutMs) → boolean   poll for input or hang-up
 *   pipe() → [r, w]                   pipe2(O_CLOEXEC)
 *   getWinsize(fd) → { rows, cols }   TIOCGWINSZ
 *   setWinsize(fd, rows, cols)        TIOCSWINSZ
 *   makeRaw(fd) → Buffer              cfmakeraw on the terminal at fd; returns the old termios
 *   restoreTermios(fd, Buffer)        tcsetattr(TCSANOW) with a termios makeRaw returned
 *   ptyProxy(master, in, out) → { done: Promise<void>, stop() }
 *                                     one poll loop in a worker thread: in → master, master → out,
 *                                     until the master hangs up (every slave closed); after stop()
 *                                     it drains the master until it is quiet for 200 ms (2 s at
 *                                     most: a background process may hold the slave) and ends.
 *                                     The caller keeps the fds; in == -1: no input.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <time.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <napi.h>
#include "napi_errors.h"

#include <memory>
#include <string>

namespace {

Napi::Value Throw(Napi::Env env, int err, const char *call) { return hz::ThrowErrno(env, err, call); }
Napi::Value Usage(Napi::Env env, const char *msg) { return hz::ThrowType(env, msg); }

/* "stream" (default) | "dgram" | "seqpacket" → SOCK_*; -1 for anything else */
int SockType(const Napi::CallbackInfo &info, size_t k) {
  if (info.Length() <= k || info[k].IsUndefined()) return SOCK_STREAM;
  if (!info[k].IsString()) return -1;
  std::string t = info[k].As<Napi::String>().Utf8Value();
  return t == "stream" ? SOCK_STREAM : t == "dgram" ? SOCK_DGRAM : t == "seqpacket" ? SOCK_SEQPACKET : -1;
}

/* path → sockaddr_un; a leading "@" names an abstract socket (systemd's NOTIFY_SOCKET convention) */
bool UnixAddr(const std::string &path, struct sockaddr_un *sa, socklen_t *len) {
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sa->sun_path) return false;
  memcpy(sa->sun_path, path.data(), path.size());
  if (sa->sun_path[0] == '@') sa->sun_path[0] = 0;
  *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path.size() + (path[0] == '@' ? 0 : 1));
  return true;
}

/* An AF_UNIX socket of the requested type (CLOEXEC), connected (connectUnix) or bound (bindUnix) to path */
Napi::Value UnixSocketAt(const Napi::CallbackInfo &info, bool bindIt) {
  Napi::Env env = info.Env();
  const char *call = bindIt ? "bind" : "connect";
  int type = SockType(info, 1);
  if (info.Length() < 1 || !info[0].IsString() || type < 0)
    return Usage(env, bindIt ? "bindUnix(path: string, type?: 'stream' | 'dgram' | 'seqpacket')" : "connectUnix(path: string, type?: 'stream' | 'dgram' | 'seqpacket')");
  struct sockaddr_un sa;
  socklen_t len;
  if (!UnixAddr(info[0].As<Napi::String>().Utf8Value(), &sa, &len)) return Throw(env, ENAMETOOLONG, call);
  int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return Throw(env, errno, "socket");
  int r;
  if (bindIt)
    r = bind(fd, (struct sockaddr *)&sa, len);
  else
    do r = connect(fd, (struct sockaddr *)&sa, len);
    while (r < 0 && errno == EINTR);
  if (r < 0) {
    int e = errno;
    close(fd);
    return Throw(env, e, call);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value ConnectUnix(const Napi::CallbackInfo &info) { return UnixSocketAt(info, false); }
Napi::Value BindUnix(const Napi::CallbackInfo &info) { return UnixSocketAt(info, true); }

Napi::Value SocketPair(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int type = SockType(info, 0);
  if (type < 0) return Usage(env, "socketPair(type?: 'stream' | 'dgram' | 'seqpacket')");
  int sv[2];
  if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0) return Throw(env, errno, "socketpair");
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, sv[0]));
  a.Set(1u, Napi::Number::New(env, sv[1]));
  return a;
}

/* poll for input; 0, ETIMEDOUT, or errno */
int WaitIn(int fd, int timeout) {
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, timeout < 0 ? -1 : timeout);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno;
    return r == 0 ? ETIMEDOUT : 0;
  }
}

/* One recvmsg into buf, fds passed as SCM_RIGHTS into fds (received CLOEXEC; those beyond max are
 * closed and counted in *nfds). Returns the byte count or -errno; *trunc when data or fds were cut. */
ssize_t RecvWithFds(int sock, char *buf, size_t cap, int *fds, int max, int *nfds, bool *trunc) {
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * 16)];
  memset(control, 0, sizeof control);
  struct iovec iov = {buf, cap};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  *nfds = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; i++) {
      int got;
      memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
      if (*nfds < max)
        fds[*nfds] = got;
      else
        close(got);
      (*nfds)++;
    }
  }
  *trunc = (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
  return n;
}

Napi::Value RecvFd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return Usage(env, "recvFd(sock: number, timeoutMs: number)");
  int sock = info[0].As<Napi::Number>().Int32Value();
  int err = WaitIn(sock, info[1].As<Napi::Number>().Int32Value());
  if (err) return Throw(env, err, "poll");
  char name[4096];
  int fd = -1, count = 0;
  bool trunc = false;
  ssize_t n = RecvWithFds(sock, name, sizeof name, &fd, 1, &count, &trunc);
  if (n < 0) return Throw(env, (int)-n, "recvmsg");
  if (count == 0 && n == 0) return env.Null();
  if (count != 1 || trunc) {
    if (count >= 1) close(fd);
    return Throw(env, EPROTO, "recvmsg");
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("fd", Napi::Number::New(env, fd));
  o.Set("name", Napi::Buffer<char>::Copy(env, name, (size_t)n));
  return o;
}

/* recvPacket(sock, timeoutMs) → { data: Buffer, fds: number[] } | null (EOF of a connection) */
Napi::Value RecvPacket(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return Usage(env, "recvPacket(sock: number, timeoutMs: number)");
  int sock = info[0].As<Napi::Number>().Int32Value();
  int err = WaitIn(sock, info[1].As<Napi::Number>().Int32Value());
  if (err) return Throw(env, err, "poll");
  std::unique_ptr<char[]> buf(new char[1 << 17]);
  int fds[16], count = 0;
  bool trunc = false;
  ssize_t n = RecvWithFds(sock, buf.get(), 1 << 17, fds, 16, &count, &trunc);
  if (n < 0) return Throw(env, (int)-n, "recvmsg");
  int type = 0;
  socklen_t tl = sizeof type;
  getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &tl);
  if (n == 0 && count == 0 && type != SOCK_DGRAM) return env.Null();
  if (trunc || count > 16) {
    for (int i = 0; i < count && i < 16; i++) close(fds[i]);
    return Throw(env, EMSGSIZE, "recvmsg");
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("data", Napi::Buffer<char>::Copy(env, buf.get(), (size_t)n));
  Napi::Array a = Napi::Array::New(env, count);
  for (int i = 0; i < count; i++) a.Set((uint32_t)i, Napi::Number::New(env, fds[i]));
  o.Set("fds", a);
  return o;
}

/* waitReadable(fd, timeoutMs) → true when fd has input or a hang-up, false on timeout */
Napi::Value WaitReadable(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return Usage(env, "waitReadable(fd: number, timeoutMs: number)");
  int err = WaitIn(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value());
  if (err == ETIMEDOUT) return Napi::Boolean::New(env, false);
  if (err) return Throw(env, err, "poll");
  return Napi::Boolean::New(env, true);
}

/* pipe() → [read end, write end], both CLOEXEC */
Napi::Value Pipe(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return Throw(env, errno, "pipe2");
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, p[0]));
  a.Set(1u, Napi::Number::New(env, p[1]));
  return a;
}

Napi::Value GetWinsize(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return Usage(env, "getWinsize(fd: number)");
  struct winsize ws;
  if (ioctl(info[0].As<Napi::Number>().Int32Value(), TIOCGWINSZ, &ws) < 0) return Throw(env, errno, "ioctl");
  Napi::Object o = Napi::Object::New(env);
  o.Set("rows", Napi::Number::New(env, ws.ws_row));
  o.Set("cols", Napi::Number::New(env, ws.ws_col));
  return o;
}

Napi::Value SetWinsize(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber())
    return Usage(env, "setWinsize(fd: number, rows: number, cols: number)");
  struct winsize ws;
  memset(&ws, 0, sizeof ws);
  ws.ws_row = (unsigned short)info[1].As<Napi::Number>().Uint32Value();
  ws.ws_col = (unsigned short)info[2].As<Napi::Number>().Uint32Value();
  if (ioctl(info[0].As<Napi::Number>().Int32Value(), TIOCSWINSZ, &ws) < 0) return Throw(env, errno, "ioctl");
  return env.Undefined();
}

Napi::Value MakeRaw(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return Usage(env, "makeRaw(fd: number)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct termios old;
  if (tcgetattr(fd, &old) < 0) return Throw(env, errno, "tcgetattr");
  struct termios raw = old;
  cfmakeraw(&raw);
  if (tcsetattr(fd, TCSANOW, &raw) < 0) return Throw(env, errno, "tcsetattr");
  return Napi::Buffer<char>::Copy(env, (const char *)&old, sizeof old);
}

Napi::Value RestoreTermios(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsBuffer()) return Usage(env, "restoreTermios(fd: number, saved: Buffer)");
  Napi::Buffer<char> b = info[1].As<Napi::Buffer<char>>();
  struct termios t;
  if (b.Length() != sizeof t) return Throw(env, EINVAL, "tcsetattr");
  memcpy(&t, b.Data(), sizeof t);
  if (tcsetattr(info[0].As<Napi::Number>().Int32Value(), TCSANOW, &t) < 0) return Throw(env, errno, "tcsetattr");
  return env.Undefined();
}

/* write all of buf to fd, waiting with poll when fd is non-blocking; false on an error */
bool write_full(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p = {fd, POLLOUT, 0};
        poll(&p, 1, 100);
        continue;
      }
      return false;
    }
    buf += w;
    n -= (size_t)w;
  }
  return true;
}

int64_t now_ms() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* the stop eventfd, shared by the worker and the stop() function: closed when both are gone */
struct EventFd {
  int fd;
  explicit EventFd(int f) : fd(f) {}
  ~EventFd() { close(fd); }
};

class ProxyWorker : public Napi::AsyncWorker {
 public:
  ProxyWorker(Napi::Env env, int master, int in, int out, std::shared_ptr<EventFd> stop)
      : Napi::AsyncWorker(env, "hezi:ptyProxy"), master_(master), in_(in), out_(out), stop_(std::move(stop)), stop_fd_(stop_->fd), deferred_(env) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    char buf[16384];
    int in = in_;
    int64_t drain_until = -1, quiet_until = -1;
    for (;;) {
      struct pollfd p[3] = {{master_, POLLIN, 0}, {stop_fd_, POLLIN, 0}, {in, POLLIN, 0}};
      int nfds = in >= 0 && drain_until < 0 ? 3 : 2;
      int timeout = -1;
      if (drain_until >= 0) {
        int64_t now = now_ms();
        int64_t end = quiet_until < drain_until ? quiet_until : drain_until;
        if (now >= end) return;
        timeout = (int)(end - now);
      }
      int r = poll(p, (nfds_t)nfds, timeout);
      if (r < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (p[1].revents & POLLIN) {
        uint64_t v;
        if (read(stop_fd_, &v, sizeof v) < 0) { /* counted anyway */ }
        int64_t now = now_ms();
        drain_until = now + 2000;
        quiet_until = now + 200;
      }
      if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = read(master_, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return; /* EIO: every slave fd is closed */
        if (!write_full(out_, buf, (size_t)n)) return;
        if (drain_until >= 0) quiet_until = now_ms() + 200;
      }
      if (nfds == 3 && (p[2].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) {
          in = -1; /* end of input: the process keeps its terminal */
          continue;
        }
        if (!write_full(master_, buf, (size_t)n)) in = -1;
      }
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }

 private:
  int master_, in_, out_;
  std::shared_ptr<EventFd> stop_;
  int stop_fd_;
  Napi::Promise::Deferred deferred_;
};

Napi::Value PtyProxy(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber())
    return Usage(env, "ptyProxy(master: number, input: number, output: number)");
  int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0) return Throw(env, errno, "eventfd");
  auto stop = std::make_shared<EventFd>(efd);
  ProxyWorker *w = new ProxyWorker(env, info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(),
                                   info[2].As<Napi::Number>().Int32Value(), stop);
  Napi::Object o = Napi::Object::New(env);
  o.Set("done", w->Promise());
  o.Set("stop", Napi::Function::New(
                    env,
                    [stop](const Napi::CallbackInfo &) {
                      uint64_t one = 1;
                      if (write(stop->fd, &one, sizeof one) < 0) { /* full: already stopping */ }
                    },
                    "stop"));
  w->Queue();
  return o;
}

}  // namespace

void RegisterTerm(Napi::Env env, Napi::Object exports) {
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix, "connectUnix"));
  exports.Set("socketPair", Napi::Function::New(env, SocketPair, "socketPair"));
  exports.Set("recvFd", Napi::Function::New(env, RecvFd, "recvFd"));
  exports.Set("bindUnix", Napi::Function::New(env, BindUnix, "bindUnix"));
  exports.Set("recvPacket", Napi::Function::New(env, RecvPacket, "recvPacket"));
  exports.Set("waitReadable", Napi::Function::New(env, WaitReadable, "waitReadable"));
  exports.Set("pipe", Napi::Function::New(env, Pipe, "pipe"));
  exports.Set("getWinsize", Napi::Function::New(env, GetWinsize, "getWinsize"));
  exports.Set("setWinsize", Napi::Function::New(env, SetWinsize, "setWinsize"));
  exports.Set("makeRaw", Napi::Function::New(env, MakeRaw, "makeRaw"));
  exports.Set("restoreTermios", Napi::Function::New(env, RestoreTermios, "restoreTermios"));
  exports.Set("ptyProxy", Napi::Function::New(env, PtyProxy, "ptyProxy"));
}
