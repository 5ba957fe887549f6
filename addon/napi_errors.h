/*
 * The one way the addon reports a failed syscall to JavaScript: an Error whose message is
 * "<call>: <libc text>" with .errno (positive), .code ("EPERM") and .syscall set. TypeScript words
 * every user-facing sentence; this only carries the facts. (N-API side only: the init never
 * includes it.)
 */
#ifndef HEZI_NAPI_ERRORS_H
#define HEZI_NAPI_ERRORS_H

#include <napi.h>
#include <string.h>

#include <string>

namespace hz {

inline std::string errno_text(int err) {
  const char *d = strerrordesc_np(err);
  return d ? std::string(d) : "Unknown error " + std::to_string(err);
}

inline const char *errno_name(int err) {
  const char *n = strerrorname_np(err);
  return n ? n : "UNKNOWN";
}

inline Napi::Error ErrnoError(Napi::Env env, int err, const char *call) {
  Napi::Error e = Napi::Error::New(env, std::string(call) + ": " + errno_text(err));
  Napi::Object o = e.Value();
  o.Set("errno", Napi::Number::New(env, err));
  o.Set("code", Napi::String::New(env, errno_name(err)));
  o.Set("syscall", Napi::String::New(env, call));
  return e;
}

inline Napi::Value ThrowErrno(Napi::Env env, int err, const char *call) {
  ErrnoError(env, err, call).ThrowAsJavaScriptException();
  return env.Undefined();
}

inline Napi::Value ThrowType(Napi::Env env, const char *msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace hz

#endif
