/*
 * Terminal and console-socket primitives. No policy here: which socket, which size, and every
 * error sentence are decided in TypeScript (src/runtime/terminal.ts).
 *
 *   connectUnix(path) → fd            AF_UNIX SOCK_STREAM, CLOEXEC, connected (a --console-socket)
 *   socketPair() → [fd, fd]           AF_UNIX SOCK_STREAM, CLOEXEC (hezi's own console socket)
 *   recvFd(sock, timeoutMs) → { fd, name } | null
 *                                     one message carrying exactly one fd (received CLOEXEC) and its
 *                                     data (the pty name); null on EOF; ETIMEDOUT; EPROTO otherwise
 *   getWinsize(fd) → { rows, cols }   TIOCGWINSZ
 *   setWinsize(fd, rows, cols)        TIOCSWINSZ
 *   makeRaw(fd) → Buffer              cfmakeraw on the terminal at fd; returns the old termios
 *   restoreTermios(fd, Buffer)        tcsetattr(TCSANOW) with a termios makeRaw returned
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <napi.h>
#include "napi_errors.h"

#include <string>

namespace {

Napi::Value Throw(Napi::Env env, int err, const char *call) { return hz::ThrowErrno(env, err, call); }
Napi::Value Usage(Napi::Env env, const char *msg) { return hz::ThrowType(env, msg); }

Napi::Value ConnectUnix(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return Usage(env, "connectUnix(path: string)");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sa.sun_path) return Throw(env, ENAMETOOLONG, "connect");
  memcpy(sa.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Throw(env, errno, "socket");
  int r;
  do r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    int e = errno;
    close(fd);
    return Throw(env, e, "connect");
  }
  return Napi::Number::New(env, fd);
}

Napi::Value SocketPair(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return Throw(env, errno, "socketpair");
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, sv[0]));
  a.Set(1u, Napi::Number::New(env, sv[1]));
  return a;
}

Napi::Value RecvFd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return Usage(env, "recvFd(sock: number, timeoutMs: number)");
  int sock = info[0].As<Napi::Number>().Int32Value();
  int timeout = info[1].As<Napi::Number>().Int32Value();
  for (;;) {
    struct pollfd p = {sock, POLLIN, 0};
    int r = poll(&p, 1, timeout < 0 ? -1 : timeout);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Throw(env, errno, "poll");
    if (r == 0) return Throw(env, ETIMEDOUT, "poll");
    break;
  }
  char name[4096];
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  memset(control, 0, sizeof control);
  struct iovec iov = {name, sizeof name};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return Throw(env, errno, "recvmsg");
  int fd = -1, count = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; i++) {
      int got;
      memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
      if (count++ == 0)
        fd = got;
      else
        close(got);
    }
  }
  if (count == 0 && n == 0) return env.Null();
  if (count != 1 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
    if (fd >= 0) close(fd);
    return Throw(env, EPROTO, "recvmsg");
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("fd", Napi::Number::New(env, fd));
  o.Set("name", Napi::Buffer<char>::Copy(env, name, (size_t)n));
  return o;
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

}  // namespace

void RegisterTerm(Napi::Env env, Napi::Object exports) {
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix, "connectUnix"));
  exports.Set("socketPair", Napi::Function::New(env, SocketPair, "socketPair"));
  exports.Set("recvFd", Napi::Function::New(env, RecvFd, "recvFd"));
  exports.Set("getWinsize", Napi::Function::New(env, GetWinsize, "getWinsize"));
  exports.Set("setWinsize", Napi::Function::New(env, SetWinsize, "setWinsize"));
  exports.Set("makeRaw", Napi::Function::New(env, MakeRaw, "makeRaw"));
  exports.Set("restoreTermios", Napi::Function::New(env, RestoreTermios, "restoreTermios"));
}
