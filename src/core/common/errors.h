// Exceptions the core throws. The SQL boundary (src/pg/boundary.h) maps each
// kind to a SQLSTATE, so a caller sees a normal PostgreSQL error with the
// core's message; nothing else of the core needs to know about PostgreSQL.
#pragma once
#include "core/common/core_only.h"

#include <stdexcept>
#include <string>

namespace pp {

enum class ErrorKind {
  InvalidParameter,  // a function argument is out of its documented domain
  DataException,     // input data is malformed (bad cell, bad date, ...)
  ProgramLimit,      // a configured or structural limit was exceeded
  Internal,          // a broken invariant inside the core: a bug
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message, std::string hint = {})
      : std::runtime_error(message), kind_(kind), hint_(std::move(hint)) {}
  ErrorKind kind() const noexcept { return kind_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  ErrorKind kind_;
  std::string hint_;
};

// Thrown when the cancel callback reports a pending interrupt. The boundary
// lets PostgreSQL raise its own cancel/terminate error once C++ has unwound.
class Cancelled : public std::exception {
 public:
  const char* what() const noexcept override { return "canceled"; }
};

[[noreturn]] inline void throw_invalid(const std::string& message, std::string hint = {}) {
  throw Error(ErrorKind::InvalidParameter, message, std::move(hint));
}

}  // namespace pp
