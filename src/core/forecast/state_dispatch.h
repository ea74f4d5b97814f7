// One switch from a Method to its state machine: with_state builds the
// state of `method` with `params` and calls f(state), so the caller's loop is
// compiled once per state type and runs without a per-day branch on the method.
// align_end is the day count the ADIDA buckets end at (see intermittent_states.h).
#pragma once
#include "core/common/core_only.h"

#include "core/common/errors.h"
#include "core/forecast/forecast_method.h"
#include "core/forecast/intermittent_states.h"
#include "core/forecast/level_states.h"

#include <cstddef>
#include <string>

namespace pp::forecast {

template <class F>
decltype(auto) with_state(Method method, const MethodParams& p, std::size_t align_end, F&& f) {
  switch (method) {
    case Method::Naive: {
      NaiveState s;
      return f(s);
    }
    case Method::Ses: {
      SesState s(p.alpha);
      return f(s);
    }
    case Method::Holt: {
      HoltState s(p.alpha, p.beta);
      return f(s);
    }
    case Method::HoltWinters: {
      HoltWintersState s(p.alpha, p.beta, p.gamma);
      return f(s);
    }
    case Method::Croston:
    case Method::Sba: {
      CrostonState s(p.alpha, method == Method::Sba);
      return f(s);
    }
    case Method::Tsb: {
      TsbState s(p.alpha, p.beta);
      return f(s);
    }
    case Method::Adida: {
      if (p.bucket < 1) throw_invalid("adida needs a bucket of at least 1 day, got " + std::to_string(p.bucket));
      AdidaState s(p.alpha, p.bucket, align_end);
      return f(s);
    }
    case Method::Auto: break;
  }
  throw Error(ErrorKind::Internal, "forecast: no state machine for method auto (choose a method first)");
}

}  // namespace pp::forecast
