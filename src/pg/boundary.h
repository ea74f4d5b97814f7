// The error boundary between C++ and PostgreSQL (../shared/CONVENTIONS.md 1-3, 10).
//
// Every SQL-callable function is a plain shim that does its PostgreSQL work in
// frames holding no C++ object with a non-trivial destructor, and runs C++ code
// only through pp_call(). pp_call runs the callable inside try/catch, copies any
// exception's message into a fixed buffer, lets the catch block end (so every
// C++ object is destroyed), and only then raises the PostgreSQL error, whose
// longjmp therefore never skips a destructor. A pp::Cancelled exception means the
// core saw a pending interrupt: PostgreSQL then raises its own cancel or
// terminate error from CHECK_FOR_INTERRUPTS.
//
// Include after the core headers and after pg_includes.h.
#pragma once

#include "core/common/cancel.h"
#include "core/common/errors.h"

#include <cstddef>
#include <cstring>
#include <exception>
#include <new>

namespace pp::pg {

enum class Failure { None, Error, OutOfMemory, Cancelled, Unknown };

struct FailureInfo {
  Failure failure = Failure::None;
  ErrorKind kind = ErrorKind::Internal;
  char message[1024] = {0};
  char hint[512] = {0};
};

// Raises the PostgreSQL error for a captured failure; never returns.
[[noreturn]] void raise_failure(const FailureInfo& info, const char* function);

// Cancel token whose probe reads PostgreSQL's pending cancel/terminate flags.
CancelToken backend_cancel_token();

inline void copy_text(char* dst, std::size_t cap, const char* src) {
  std::strncpy(dst, src != nullptr ? src : "", cap - 1);
  dst[cap - 1] = '\0';
}

// Runs fn (a callable taking no arguments) and turns any C++ exception into a
// PostgreSQL ERROR raised after the exception has been destroyed. `function`
// names the SQL function for the error context.
template <typename Fn>
void pp_call(const char* function, Fn&& fn) {
  FailureInfo info;  // trivially destructible: safe to longjmp over
  try {
    fn();
  } catch (const Cancelled&) {
    info.failure = Failure::Cancelled;
  } catch (const Error& e) {
    info.failure = Failure::Error;
    info.kind = e.kind();
    copy_text(info.message, sizeof info.message, e.what());
    copy_text(info.hint, sizeof info.hint, e.hint().c_str());
  } catch (const std::bad_alloc&) {
    info.failure = Failure::OutOfMemory;
  } catch (const std::exception& e) {
    info.failure = Failure::Unknown;
    copy_text(info.message, sizeof info.message, e.what());
  } catch (...) {
    info.failure = Failure::Unknown;
    copy_text(info.message, sizeof info.message, "unknown C++ exception");
  }
  if (info.failure != Failure::None) raise_failure(info, function);
}

}  // namespace pp::pg
