/*
 * rtnetlink(nsFd, requests) → replies: the NETLINK_ROUTE exchange behind linux.netDevices. No
 * policy here: TypeScript builds every request (src/linux/netlink.ts) and reads every reply.
 *
 * The socket is made in a short-lived thread that first joins the network namespace nsFd (-1:
 * the caller's own), so Node's threads never change namespace; a netlink socket keeps talking
 * to the namespace it was made in. Each request is sent as it is; its reply is every message
 * received until the first NLMSG_DONE or NLMSG_ERROR (a request asks NLM_F_ACK, a dump ends in
 * DONE), concatenated. A kernel error is an NLMSG_ERROR in the reply, for TypeScript to read;
 * only failing syscalls throw.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <napi.h>
#include "napi_errors.h"

#include <string>
#include <thread>
#include <vector>

namespace {

struct Exchange {
  int ns_fd;
  std::vector<std::vector<uint8_t>> requests;
  std::vector<std::vector<uint8_t>> replies;
  int err = 0;
  const char *call = nullptr;
};

/* true when buf holds a message that ends the reply */
bool ends_reply(const uint8_t *buf, size_t len) {
  size_t off = 0;
  while (off + sizeof(struct nlmsghdr) <= len) {
    const struct nlmsghdr *h = (const struct nlmsghdr *)(buf + off);
    if (h->nlmsg_len < sizeof(struct nlmsghdr) || off + h->nlmsg_len > len) return true; /* malformed: stop */
    if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) return true;
    off += NLMSG_ALIGN(h->nlmsg_len);
  }
  return false;
}

void run(Exchange *x) {
  if (x->ns_fd >= 0 && setns(x->ns_fd, CLONE_NEWNET) < 0) {
    x->err = errno;
    x->call = "setns";
    return;
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    x->err = errno;
    x->call = "socket";
    return;
  }
  struct timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct sockaddr_nl kernel;
  memset(&kernel, 0, sizeof kernel);
  kernel.nl_family = AF_NETLINK;
  std::vector<uint8_t> buf(64 * 1024);
  for (const auto &req : x->requests) {
    ssize_t n;
    do n = sendto(fd, req.data(), req.size(), 0, (struct sockaddr *)&kernel, sizeof kernel);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      x->err = errno;
      x->call = "sendto";
      break;
    }
    std::vector<uint8_t> reply;
    for (;;) {
      do n = recv(fd, buf.data(), buf.size(), 0);
      while (n < 0 && errno == EINTR);
      if (n < 0) {
        x->err = errno == EAGAIN ? ETIMEDOUT : errno;
        x->call = "recv";
        break;
      }
      reply.insert(reply.end(), buf.data(), buf.data() + n);
      if (n == 0 || ends_reply(buf.data(), (size_t)n)) break;
    }
    if (x->err) break;
    x->replies.push_back(std::move(reply));
  }
  close(fd);
}

Napi::Value Rtnetlink(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsArray()) return hz::ThrowType(env, "rtnetlink(nsFd: number, requests: Buffer[])");
  Exchange x;
  x.ns_fd = (int)info[0].As<Napi::Number>().Int32Value();
  Napi::Array reqs = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < reqs.Length(); i++) {
    Napi::Value v = reqs.Get(i);
    if (!v.IsBuffer()) return hz::ThrowType(env, "rtnetlink: requests must be Buffers");
    Napi::Buffer<uint8_t> b = v.As<Napi::Buffer<uint8_t>>();
    x.requests.emplace_back(b.Data(), b.Data() + b.Length());
  }
  std::thread t(run, &x);
  t.join();
  if (x.err) return hz::ThrowErrno(env, x.err, x.call);
  Napi::Array out = Napi::Array::New(env, x.replies.size());
  for (size_t i = 0; i < x.replies.size(); i++) out.Set((uint32_t)i, Napi::Buffer<uint8_t>::Copy(env, x.replies[i].data(), x.replies[i].size()));
  return out;
}

}  // namespace

void RegisterNetlink(Napi::Env env, Napi::Object exports) {
  exports.Set("rtnetlink", Napi::Function::New(env, Rtnetlink, "rtnetlink"));
}
