// Shift calendars: CAL-2SHIFT (Mon-Fri, 06:00-14:00 and 14:00-22:00) and
// CAL-24x7 (three 8-hour shifts, every day). CAL-2SHIFT exceptions: the
// fixed-date Portuguese public holidays, a two-week August shutdown each year
// (both kind "holiday") and four overtime Saturdays (06:00-14:00) each spring
// up to the export. Times are UTC wall clock. The same rules build the
// WorkCalendar objects the simulation schedules on.
#include "core/common/civil_time.h"
#include "core/demo/rng.h"
#include "core/demo/stages.h"

#include <algorithm>

namespace pp::demo {

namespace {

struct Holiday {
  int month, day;
  const char* note;
};
constexpr Holiday kHolidays[] = {
    {1, 1, "Ano Novo"},          {4, 25, "Dia da Liberdade"},   {5, 1, "Dia do Trabalhador"},
    {6, 10, "Dia de Portugal"},  {8, 15, "Assunção de Nossa Senhora"}, {10, 5, "Implantação da República"},
    {11, 1, "Todos os Santos"},  {12, 1, "Restauração da Independência"}, {12, 8, "Imaculada Conceição"},
    {12, 25, "Natal"},
};

int year_of(Time t) { return civil_from_unix(t).year; }
std::int64_t day_index(Time t) { return day_start(t) / kDay; }
int weekday0(std::int64_t day) { return static_cast<int>(((day % 7) + 7 + 3) % 7); }  // 0 = Monday

}  // namespace

void build_calendars(DemoState& st) {
  const TimeFrame& tf = st.tf;
  auto& f = st.f;
  Rng rng(st.seed, Stream::Calendar);
  f.calendars.push_back({"CAL-2SHIFT", "Dois turnos, segunda a sexta", "UTC"});
  f.calendars.push_back({"CAL-24x7", "Contínuo, três turnos", "UTC"});
  f.shifts.push_back({"CAL-2SHIFT", 1, 0x1F, 360, 840});
  f.shifts.push_back({"CAL-2SHIFT", 2, 0x1F, 840, 1320});
  f.shifts.push_back({"CAL-24x7", 1, 0x7F, 360, 840});
  f.shifts.push_back({"CAL-24x7", 2, 0x7F, 840, 1320});
  f.shifts.push_back({"CAL-24x7", 3, 0x7F, 1320, 1800});

  const std::int64_t first_day = day_index(tf.calendar_start);
  const std::int64_t last_day = day_index(tf.calendar_end);  // exclusive
  const std::size_t ndays = static_cast<std::size_t>(last_day - first_day);
  std::vector<char> off(ndays, 0), overtime(ndays, 0);
  auto mark = [&](std::int64_t day, std::vector<char>& v) {
    if (day >= first_day && day < last_day) v[static_cast<std::size_t>(day - first_day)] = 1;
  };
  const int internal_last_year = year_of(tf.calendar_end - 1);
  for (int y = year_of(tf.calendar_start); y <= internal_last_year; ++y) {
    const bool exported = y >= tf.first_year && y <= tf.last_year;
    for (const Holiday& h : kHolidays) {
      const std::int64_t d = days_from_civil(y, h.month, h.day);
      mark(d, off);
      if (exported) f.calendar_exceptions.push_back({"CAL-2SHIFT", "holiday", d * kDay, (d + 1) * kDay, h.note});
    }
    std::int64_t shutdown = days_from_civil(y, 8, 1);
    while (weekday0(shutdown) != 0) ++shutdown;
    for (int k = 0; k < 14; ++k) mark(shutdown + k, off);
    if (exported) {
      f.calendar_exceptions.push_back(
          {"CAL-2SHIFT", "holiday", shutdown * kDay, (shutdown + 14) * kDay, "Férias coletivas de agosto"});
    }
    // Overtime Saturdays in the busy spring, only up to the export.
    std::vector<std::int64_t> saturdays;
    for (std::int64_t d = days_from_civil(y, 4, 1); d < days_from_civil(y, 7, 1); ++d) {
      if (weekday0(d) == 5) saturdays.push_back(d);
    }
    rng.shuffle(saturdays);
    int taken = 0;
    std::vector<std::int64_t> chosen;
    for (std::int64_t d : saturdays) {
      if (taken == 4) break;
      bool holiday = false;
      for (const Holiday& h : kHolidays) holiday = holiday || days_from_civil(y, h.month, h.day) == d;
      if (holiday || d * kDay + 14 * kHour > tf.export_at || d * kDay < tf.calendar_start) continue;
      chosen.push_back(d);
      ++taken;
    }
    std::sort(chosen.begin(), chosen.end());
    for (std::int64_t d : chosen) {
      mark(d, overtime);
      if (exported) {
        f.calendar_exceptions.push_back(
            {"CAL-2SHIFT", "overtime", d * kDay + 6 * kHour, d * kDay + 14 * kHour, "Sábado em horas extra"});
      }
    }
  }
  std::stable_sort(f.calendar_exceptions.begin(), f.calendar_exceptions.end(),
                   [](const model::CalendarException& a, const model::CalendarException& b) {
                     return a.starts_at < b.starts_at;
                   });

  std::vector<std::pair<Time, Time>> two_shift;
  two_shift.reserve(ndays);
  for (std::int64_t d = first_day; d < last_day; ++d) {
    const std::size_t i = static_cast<std::size_t>(d - first_day);
    if (off[i]) continue;
    const int wd = weekday0(d);
    if (wd < 5) two_shift.emplace_back(d * kDay + 6 * kHour, d * kDay + 22 * kHour);
    else if (overtime[i]) two_shift.emplace_back(d * kDay + 6 * kHour, d * kDay + 14 * kHour);
  }
  st.calendars[0] = WorkCalendar(two_shift);
  st.calendars[1] = WorkCalendar({{first_day * kDay, last_day * kDay}});
}

}  // namespace pp::demo
