#include "core/schedule/jobshop_instance.h"

#include "core/common/errors.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace pp::schedule {

std::size_t JobShopInstance::operation_count() const {
  std::size_t n = 0;
  for (const Job& job : jobs) n += job.operations.size();
  return n;
}

namespace {

// Upper bounds that keep every later sum (makespans, loads) far from int64
// overflow and reject absurd headers before anything is allocated for them.
constexpr std::int64_t kMaxDuration = std::int64_t{1} << 40;
constexpr std::int64_t kMaxCount = 1 << 24;

[[noreturn]] void fail(std::size_t line, const std::string& what) {
  throw Error(ErrorKind::DataException, "line " + std::to_string(line) + ": " + what);
}

// One input line split into whitespace-separated tokens (views into the text).
struct Line {
  std::size_t number = 0;  // 1-based
  std::vector<std::string_view> tokens;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    Line line;
    line.number = number;
    std::size_t i = pos;
    while (i < end) {
      while (i < end && is_space(text[i])) ++i;
      std::size_t start = i;
      while (i < end && !is_space(text[i])) ++i;
      if (i > start) line.tokens.push_back(text.substr(start, i - start));
    }
    if (!line.tokens.empty()) lines.push_back(std::move(line));
    if (end == text.size()) break;
    pos = end + 1;
  }
  return lines;
}

// A digit, or a sign followed by a digit: "+++" separators of OR-Library
// files are text, "-4" is a (bad) number that must be reported as such.
bool looks_numeric(std::string_view token) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (token.empty()) return false;
  if (digit(token[0])) return true;
  return (token[0] == '-' || token[0] == '+') && token.size() > 1 && digit(token[1]);
}

std::string quote(std::string_view token) {
  std::string shown(token.substr(0, 40));
  if (token.size() > 40) shown += "...";
  return "\"" + shown + "\"";
}

// A whole token as a base-10 integer (optional sign), or a DataException
// naming the line and the role of the number.
std::int64_t parse_int(const Line& line, std::string_view token, const char* what) {
  std::string_view digits = token;
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size())
    fail(line.number, std::string("expected an integer ") + what + ", found " + quote(token));
  return value;
}

std::int64_t parse_count(const Line& line, std::string_view token, const char* what,
                         std::int64_t min_value) {
  std::int64_t v = parse_int(line, token, what);
  if (v < min_value || v > kMaxCount)
    fail(line.number, std::string("expected ") + what + " between " + std::to_string(min_value) +
                          " and " + std::to_string(kMaxCount) + ", found " + std::to_string(v));
  return v;
}

std::int64_t parse_duration(const Line& line, std::string_view token) {
  std::int64_t v = parse_int(line, token, "duration");
  if (v < 0) fail(line.number, "expected a duration >= 0, found " + std::to_string(v));
  if (v > kMaxDuration)
    fail(line.number, "duration " + std::to_string(v) + " exceeds the limit " +
                          std::to_string(kMaxDuration));
  return v;
}

std::int32_t parse_machine(const Line& line, std::string_view token, std::int64_t machines,
                           std::int64_t base) {
  std::int64_t v = parse_int(line, token, "machine number");
  if (v < base || v >= machines + base)
    fail(line.number, "machine " + std::to_string(v) + " out of range " + std::to_string(base) +
                          ".." + std::to_string(machines + base - 1));
  return static_cast<std::int32_t>(v - base);
}

// Index of the header line: the first line whose first token looks like a
// number. OR-Library files carry free text ("instance ft06", "+++") before it.
std::size_t find_header(const std::vector<Line>& lines, const char* format) {
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (looks_numeric(lines[i].tokens[0])) return i;
  throw Error(ErrorKind::DataException,
              std::string("line 1: expected a ") + format + " header line \"jobs machines\", found " +
                  (lines.empty() ? std::string("no data") : quote(lines[0].tokens[0])));
}

// After the last job: text lines are tolerated (trailers), numbers are not
// (they mean the job count in the header is wrong).
void check_trailer(const std::vector<Line>& lines, std::size_t next, std::int64_t jobs) {
  for (std::size_t i = next; i < lines.size(); ++i)
    if (looks_numeric(lines[i].tokens[0]))
      fail(lines[i].number, "expected end of data after " + std::to_string(jobs) +
                                " jobs, found more numbers");
}

void parse_header(const Line& header, std::int64_t& jobs, std::int64_t& machines, bool flexible) {
  std::size_t max_tokens = flexible ? 3 : 2;
  if (header.tokens.size() < 2 || header.tokens.size() > max_tokens)
    fail(header.number, std::string("expected a header \"jobs machines") +
                            (flexible ? " [average flexibility]" : "") + "\", found " +
                            std::to_string(header.tokens.size()) + " numbers");
  jobs = parse_count(header, header.tokens[0], "job count", 0);
  machines = parse_count(header, header.tokens[1], "machine count", 1);
  if (header.tokens.size() == 3) {
    // The average flexibility is informational; accept a decimal number.
    std::string_view t = header.tokens[2];
    double ignored = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), ignored);
    if (ec != std::errc() || ptr != t.data() + t.size())
      fail(header.number, "expected a number (average flexibility), found " + quote(t));
  }
}

// Room for the header's job count, but no more than the lines after it could
// hold: a claimed count is not trusted for allocation (the job loop reports
// the missing lines). fuzz_jobshop found the header-only "3332322 3" taking a
// second to allocate three million jobs.
std::size_t jobs_room(const std::vector<Line>& lines, std::size_t header, std::int64_t jobs) {
  return std::min(static_cast<std::size_t>(jobs), lines.size() - header - 1);
}

}  // namespace

JobShopInstance parse_jsp(std::string_view text) {
  std::vector<Line> lines = split_lines(text);
  std::size_t h = find_header(lines, "jsp");
  std::int64_t jobs = 0, machines = 0;
  parse_header(lines[h], jobs, machines, false);
  JobShopInstance inst;
  inst.machine_count = static_cast<std::int32_t>(machines);
  inst.flexible = false;
  inst.jobs.resize(jobs_room(lines, h, jobs));
  std::size_t expected = static_cast<std::size_t>(machines);
  for (std::int64_t j = 0; j < jobs; ++j) {
    std::size_t li = h + 1 + static_cast<std::size_t>(j);
    if (li >= lines.size())
      fail(lines.empty() ? 1 : lines.back().number + 1,
           "expected " + std::to_string(jobs) + " job lines, found " + std::to_string(j));
    const Line& line = lines[li];
    if (!looks_numeric(line.tokens[0]))
      fail(line.number, "expected job " + std::to_string(j + 1) + " (machine/duration pairs), found " +
                            quote(line.tokens[0]));
    if (line.tokens.size() != 2 * expected) {
      std::string found = line.tokens.size() % 2 == 0
                              ? std::to_string(line.tokens.size() / 2)
                              : std::to_string(line.tokens.size()) + " numbers (an odd count)";
      fail(line.number, "expected " + std::to_string(expected) + " machine/duration pairs, found " + found);
    }
    Job& job = inst.jobs[static_cast<std::size_t>(j)];
    job.operations.resize(expected);
    for (std::size_t k = 0; k < expected; ++k) {
      Alternative a;
      a.machine = parse_machine(line, line.tokens[2 * k], machines, 0);
      a.duration = parse_duration(line, line.tokens[2 * k + 1]);
      job.operations[k].alternatives.push_back(a);
    }
  }
  check_trailer(lines, h + 1 + static_cast<std::size_t>(jobs), jobs);
  return inst;
}

JobShopInstance parse_fjs(std::string_view text) {
  std::vector<Line> lines = split_lines(text);
  std::size_t h = find_header(lines, "fjs");
  std::int64_t jobs = 0, machines = 0;
  parse_header(lines[h], jobs, machines, true);
  JobShopInstance inst;
  inst.machine_count = static_cast<std::int32_t>(machines);
  inst.flexible = true;
  inst.jobs.resize(jobs_room(lines, h, jobs));
  for (std::int64_t j = 0; j < jobs; ++j) {
    std::size_t li = h + 1 + static_cast<std::size_t>(j);
    if (li >= lines.size())
      fail(lines.empty() ? 1 : lines.back().number + 1,
           "expected " + std::to_string(jobs) + " job lines, found " + std::to_string(j));
    const Line& line = lines[li];
    const auto& t = line.tokens;
    std::size_t pos = 0;
    // Reads the next token or fails naming what was expected there.
    auto next = [&](const std::string& what) -> std::string_view {
      if (pos >= t.size())
        fail(line.number, "expected " + what + ", found end of line after " + std::to_string(t.size()) +
                              " numbers");
      return t[pos++];
    };
    std::int64_t ops = parse_count(line, next("the number of operations of job " + std::to_string(j + 1)),
                                   "operation count", 0);
    Job& job = inst.jobs[static_cast<std::size_t>(j)];
    // Each operation takes at least three numbers: the claimed count is not
    // trusted for allocation either.
    job.operations.reserve(std::min(static_cast<std::size_t>(ops), (t.size() - pos) / 3));
    for (std::int64_t o = 0; o < ops; ++o) {
      std::string op_name = "operation " + std::to_string(o + 1);
      std::int64_t k = parse_count(line, next("the alternative count of " + op_name), "alternative count", 1);
      if (k > machines)
        fail(line.number, "expected at most " + std::to_string(machines) + " alternatives for " + op_name +
                              ", found " + std::to_string(k));
      auto& alts = job.operations.emplace_back().alternatives;
      alts.reserve(std::min(static_cast<std::size_t>(k), (t.size() - pos) / 2));
      for (std::int64_t a = 0; a < k; ++a) {
        std::string pair = "machine/duration pair " + std::to_string(a + 1) + " of " +
                           std::to_string(k) + " of " + op_name;
        Alternative alt;
        alt.machine = parse_machine(line, next("the machine of " + pair), machines, 1);
        alt.duration = parse_duration(line, next("the duration of " + pair));
        alts.push_back(alt);
      }
    }
    if (pos != t.size())
      fail(line.number, "expected " + std::to_string(pos) + " numbers for job " + std::to_string(j + 1) +
                            " (" + std::to_string(ops) + " operations), found " + std::to_string(t.size()));
  }
  check_trailer(lines, h + 1 + static_cast<std::size_t>(jobs), jobs);
  return inst;
}

JobShopInstance parse_jobshop(std::string_view text, JobShopFormat format) {
  return format == JobShopFormat::Jsp ? parse_jsp(text) : parse_fjs(text);
}

void validate_instance(const JobShopInstance& instance) {
  if (instance.machine_count <= 0 && instance.operation_count() > 0)
    throw_invalid("job-shop instance has operations but no machines");
  for (std::size_t j = 0; j < instance.jobs.size(); ++j) {
    const auto& ops = instance.jobs[j].operations;
    for (std::size_t o = 0; o < ops.size(); ++o) {
      std::string where = "job " + std::to_string(j) + " operation " + std::to_string(o);
      if (ops[o].alternatives.empty()) throw_invalid(where + " has no machine alternative");
      for (const Alternative& a : ops[o].alternatives) {
        if (a.machine < 0 || a.machine >= instance.machine_count)
          throw_invalid(where + ": machine " + std::to_string(a.machine) + " out of range 0.." +
                        std::to_string(instance.machine_count - 1));
        if (a.duration < 0 || a.duration > kMaxDuration)
          throw_invalid(where + ": duration " + std::to_string(a.duration) + " out of range 0.." +
                        std::to_string(kMaxDuration));
      }
    }
  }
}

}  // namespace pp::schedule
