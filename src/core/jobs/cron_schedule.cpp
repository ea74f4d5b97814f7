#include "core/jobs/cron_schedule.h"

#include "core/common/civil_time.h"
#include "core/common/errors.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <vector>

namespace pp::jobs {

namespace {

const char* const kHint =
    "a schedule is 5 cron fields (minute hour day-of-month month day-of-week), a macro such as @daily, "
    "or an interval such as '30 seconds'";

struct FieldSpec {
  const char* name;
  int lo, hi;                        // the accepted numbers
  const char* names_expected;        // how names are written, for messages; null when the field has none
  const std::array<const char*, 12>* names;
  int name_base;                     // the number of names[0]
  int name_count;
};

const std::array<const char*, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                 "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const std::array<const char*, 12> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

const FieldSpec kFields[5] = {
    {"minute", 0, 59, nullptr, nullptr, 0, 0},
    {"hour", 0, 23, nullptr, nullptr, 0, 0},
    {"day-of-month", 1, 31, nullptr, nullptr, 0, 0},
    {"month", 1, 12, "JAN-DEC", &kMonthNames, 1, 12},
    {"day-of-week", 0, 7, "SUN-SAT", &kDayNames, 0, 7},
};

struct Macro {
  const char* name;
  const char* canonical;
  const char* fields;
};
const Macro kMacros[] = {
    {"@yearly", "@yearly", "0 0 1 1 *"},   {"@annually", "@yearly", "0 0 1 1 *"}, {"@monthly", "@monthly", "0 0 1 * *"},
    {"@weekly", "@weekly", "0 0 * * 0"},   {"@daily", "@daily", "0 0 * * *"},     {"@midnight", "@daily", "0 0 * * *"},
    {"@hourly", "@hourly", "0 * * * *"},
};

struct Unit {
  const char* name;
  std::int64_t seconds;
};
const Unit kUnits[] = {{"second", 1},     {"seconds", 1},     {"sec", 1},       {"secs", 1},
                       {"minute", 60},    {"minutes", 60},    {"min", 60},      {"mins", 60},
                       {"hour", 3600},    {"hours", 3600},    {"day", 86400},   {"days", 86400}};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}

std::string upper_case(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = upper(c);
  return out;
}
std::string lower_case(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::vector<std::string_view> split_blanks(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_blank(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_blank(s[i])) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// The lowest set bit of mask at index >= from, or -1.
int next_bit(std::uint64_t mask, int from) {
  if (from >= 64) return -1;
  const std::uint64_t m = mask & (~std::uint64_t{0} << from);
  return m ? std::countr_zero(m) : -1;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
  static const int kDays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m];
}

// Search window: fire times lie in years 1-9999 (what civil_time and
// PostgreSQL's timestamp text handle comfortably, and no int overflow).
const std::int64_t kFirstMinute = days_from_civil(1, 1, 1) * 1440;
const std::int64_t kLastMinute = days_from_civil(9999, 12, 31) * 1440 + 1439;
constexpr int kLastYear = 9999;
// Every (month, day) pair recurs on every weekday within a 400-year
// Gregorian cycle, so a schedule that passed parse's never-fires check has a
// fire time within 400 years of any start; the bound only guards the loop.
constexpr int kSearchYears = 401;

// Parses one schedule text; fail() prefixes every message with the text.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  [[noreturn]] void fail(const std::string& what, std::string hint = {}) const {
    throw_invalid("invalid schedule " + quoted(text_) + ": " + what, std::move(hint));
  }

  // One cron field (a comma list) as a bit set over spec.lo..spec.hi.
  std::uint64_t field(std::string_view text, const FieldSpec& spec) const {
    std::uint64_t bits = 0;
    std::size_t pos = 0;
    for (;;) {
      const std::size_t comma = text.find(',', pos);
      const std::string_view item = text.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
      if (item.empty())
        fail(std::string(spec.name) + " field " + quoted(text) + " has an empty list element (expected a,b,c)");
      bits |= list_item(item, spec);
      if (comma == std::string_view::npos) return bits;
      pos = comma + 1;
    }
  }

  std::int64_t interval(std::string_view count, std::string_view unit_word) const {
    const std::string unit = lower_case(unit_word);
    std::int64_t unit_seconds = 0;
    for (const Unit& u : kUnits)
      if (unit == u.name) unit_seconds = u.seconds;
    if (unit_seconds == 0)
      fail("unknown interval unit " + quoted(unit_word) + " (expected seconds, minutes, hours or days)", kHint);
    std::int64_t n = 0;
    const bool negative = count.size() > 1 && count[0] == '-' && all_of(count.substr(1), is_digit);
    if (!all_of(count, is_digit) || negative)
      fail("interval count " + quoted(count) + " must be a positive integer");
    const auto r = std::from_chars(count.data(), count.data() + count.size(), n);
    if (r.ec != std::errc() || n > kNever / unit_seconds)
      fail("interval " + quoted(std::string(count) + " " + std::string(unit_word)) + " is too long (at most " +
           std::to_string(kNever / unit_seconds) + " " + unit + ")");
    if (n == 0) fail("interval count " + quoted(count) + " must be a positive integer");
    return n * unit_seconds;
  }

 private:
  // *, n, a-b, */s, a-b/s or a/s (= a-hi/s).
  std::uint64_t list_item(std::string_view item, const FieldSpec& spec) const {
    const std::size_t slash = item.find('/');
    const std::string_view range = item.substr(0, slash);
    int lo = spec.lo, hi = spec.hi;
    if (range != "*") {
      const std::size_t dash = range.find('-');
      if (dash == std::string_view::npos) {
        lo = value(range, item, spec);
        hi = slash == std::string_view::npos ? lo : spec.hi;
      } else {
        lo = value(range.substr(0, dash), item, spec);
        hi = value(range.substr(dash + 1), item, spec);
        if (lo > hi)
          fail(std::string(spec.name) + " range " + quoted(range) + " is reversed: " + std::to_string(lo) + " > " +
               std::to_string(hi) + " (ranges do not wrap; expected low-high)");
      }
    }
    int step = 1;
    if (slash != std::string_view::npos) {
      const std::string_view s = item.substr(slash + 1);
      const int span = spec.hi - spec.lo + 1;
      const auto r = std::from_chars(s.data(), s.data() + s.size(), step);
      if (!all_of(s, is_digit) || r.ec != std::errc() || step < 1 || step > span)
        fail(std::string(spec.name) + " step " + quoted(s) + " in " + quoted(item) + " must be an integer 1-" +
             std::to_string(span));
    }
    std::uint64_t bits = 0;
    for (int v = lo; v <= hi; v += step) bits |= std::uint64_t{1} << v;
    return bits;
  }

  // A number in spec.lo..spec.hi, or a name of the field.
  int value(std::string_view word, std::string_view item, const FieldSpec& spec) const {
    const std::string range = std::to_string(spec.lo) + "-" + std::to_string(spec.hi);
    if (word.empty())
      fail(std::string(spec.name) + " " + quoted(item) + " lacks a number (expected a, a-b, */s or a-b/s)");
    if (all_of(word, is_digit)) {
      int v = 0;
      const auto r = std::from_chars(word.data(), word.data() + word.size(), v);
      if (r.ec != std::errc() || v < spec.lo || v > spec.hi)
        fail(std::string(spec.name) + " " + std::string(word) + " is out of range " + range);
      return v;
    }
    if (spec.names && all_of(word, is_letter)) {
      const std::string w = upper_case(word);
      for (int i = 0; i < spec.name_count; ++i)
        if (w == (*spec.names)[i]) return spec.name_base + i;
      fail("unknown " + std::string(spec.name) + " name " + quoted(word) + " (expected " + spec.names_expected +
           " or " + range + ")");
    }
    fail(std::string(spec.name) + " " + quoted(word) + " is not a number (expected " + range +
         (spec.names ? std::string(" or ") + spec.names_expected : std::string()) + ")");
  }

  std::string_view text_;
};

}  // namespace

CronSchedule CronSchedule::parse(std::string_view text) {
  const Parser p(text);
  const std::vector<std::string_view> words = split_blanks(text);
  if (words.empty()) p.fail("the schedule is empty", kHint);
  CronSchedule s;

  std::vector<std::string_view> fields = words;
  std::string canonical;
  if (words[0].front() == '@') {
    const std::string name = lower_case(words[0]);
    const Macro* macro = nullptr;
    for (const Macro& m : kMacros)
      if (name == m.name) macro = &m;
    if (!macro || words.size() != 1)
      p.fail("unknown macro " + quoted(words.size() == 1 ? words[0] : text) +
                 " (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly, alone)",
             kHint);
    fields = split_blanks(macro->fields);
    canonical = macro->canonical;
  } else if (words.size() == 2 && all_of(words[1], is_letter)) {
    // Interval: exactly "N unit" (a cron line has 5 fields, never 2).
    s.interval_seconds_ = p.interval(words[0], words[1]);
    static const Unit kCanonical[] = {{"day", 86400}, {"hour", 3600}, {"minute", 60}, {"second", 1}};
    for (const Unit& u : kCanonical)
      if (s.interval_seconds_ % u.seconds == 0) {
        const std::int64_t n = s.interval_seconds_ / u.seconds;
        s.canonical_ = std::to_string(n) + " " + u.name + (n == 1 ? "" : "s");
        break;
      }
    return s;
  } else if (words.size() != 5) {
    p.fail("expected 5 fields (minute hour day-of-month month day-of-week), got " + std::to_string(words.size()),
           kHint);
  } else {
    for (std::size_t i = 0; i < fields.size(); ++i) canonical += (i ? " " : "") + upper_case(fields[i]);
  }

  s.minutes_ = p.field(fields[0], kFields[0]);
  s.hours_ = static_cast<std::uint32_t>(p.field(fields[1], kFields[1]));
  s.days_ = static_cast<std::uint32_t>(p.field(fields[2], kFields[2]));
  s.months_ = static_cast<std::uint32_t>(p.field(fields[3], kFields[3]));
  std::uint32_t weekdays = static_cast<std::uint32_t>(p.field(fields[4], kFields[4]));
  if (weekdays & (1u << 7)) weekdays = (weekdays & ~(1u << 7)) | 1u;  // 7 is Sunday, as 0
  s.weekdays_ = weekdays;
  s.day_star_ = fields[2].front() == '*';
  s.weekday_star_ = fields[4].front() == '*';
  s.canonical_ = std::move(canonical);

  // When days must match both fields, some listed month must have a listed
  // day (Feb counts 29 days: Feb 29 fires in leap years). Every weekday
  // meets every (month, day) in some year, so the weekdays cannot make an
  // otherwise possible schedule impossible. With the OR rule, the listed
  // weekdays occur in every month: always possible.
  if (s.day_star_ || s.weekday_star_) {
    bool possible = false;
    for (int m = 1; m <= 12; ++m) {
      // Bits 1..days of month m (2000 is a leap year); 64-bit: 1 << 32 must not overflow.
      const std::uint64_t month_days = ((std::uint64_t{1} << (days_in_month(2000, m) + 1)) - 1) & ~std::uint64_t{1};
      if ((s.months_ >> m & 1u) && (s.days_ & month_days)) possible = true;
    }
    if (!possible)
      p.fail("the schedule never fires: day-of-month " + quoted(fields[2]) + " does not occur in month " +
             quoted(fields[3]));
  }
  return s;
}

bool CronSchedule::day_matches(int year, int month, int day) const {
  std::int64_t w = (days_from_civil(year, month, day) + 4) % 7;  // 1970-01-01 was a Thursday (4)
  if (w < 0) w += 7;
  const bool by_day = days_ >> day & 1u;
  const bool by_weekday = weekdays_ >> w & 1u;
  return day_star_ || weekday_star_ ? by_day && by_weekday : by_day || by_weekday;
}

std::int64_t CronSchedule::next_after(std::int64_t t) const {
  if (is_interval()) return t > kNever - interval_seconds_ ? kNever : t + interval_seconds_;

  // The first whole minute strictly after t (floor division: t may be < 0).
  std::int64_t minute = t / 60 - (t % 60 < 0 ? 1 : 0) + 1;
  if (minute > kLastMinute) return kNever;
  if (minute < kFirstMinute) minute = kFirstMinute;
  const CivilTime c = civil_from_unix(minute * 60);
  int y = c.year, mo = c.month, d = c.day, h = c.hour, mi = c.minute;

  // Coarse to fine: skip whole years, months, days and hours that cannot
  // match; each level resets the finer ones to their start.
  const int last_year = std::min(kLastYear, y + kSearchYears);
  while (y <= last_year) {
    const int m = next_bit(months_, mo);
    if (m < 0) {
      ++y, mo = 1, d = 1, h = 0, mi = 0;
      continue;
    }
    if (m != mo) mo = m, d = 1, h = 0, mi = 0;
    for (const int dim = days_in_month(y, mo); d <= dim; ++d, h = 0, mi = 0) {
      if (!day_matches(y, mo, d)) continue;
      int hour = next_bit(hours_, h);
      if (hour < 0) continue;
      if (hour != h) mi = 0;
      int min = next_bit(minutes_, mi);
      if (min < 0) {  // no minute left in this hour: the first of the next matching hour
        hour = next_bit(hours_, hour + 1);
        if (hour < 0) continue;
        min = next_bit(minutes_, 0);
      }
      return unix_from_civil(CivilTime{y, mo, d, hour, min, 0});
    }
    ++mo, d = 1, h = 0, mi = 0;  // mo 13: next_bit finds nothing, next year
  }
  return kNever;
}

bool CronSchedule::fires_at(std::int64_t t) const {
  if (is_interval()) return true;
  if (t % 60 != 0 || t == std::numeric_limits<std::int64_t>::min()) return false;
  return next_after(t - 1) == t;
}

}  // namespace pp::jobs
