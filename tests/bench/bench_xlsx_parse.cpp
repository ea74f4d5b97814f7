// Benchmark of the streaming xlsx reader (src/core/xlsx/workbook_reader.h).
//
//   bench_xlsx_parse [SCALE] [--skip-openpyxl] [--file WORKBOOK.xlsx] [--keep PATH] [--repeat N]
//                    [--threads N]
//
// Generates the demo workbook at SCALE (default 1: the ~1.1 M-row reference
// export) with pp::demo::generate_demo + write_reference_workbook into a
// temporary file (or uses --file; --keep PATH keeps the generated one), then times, in one run:
//   (a) ours:     WorkbookReader over all sheets, counting rows and non-empty
//                 cells (mapping the file into memory included), in a fresh child
//                 process so that its peak RSS is the reader's alone;
//   (b) floor:    unzip -p FILE 'xl/worksheets/*.xml' > /dev/null (inflating
//                 the sheets, nothing parsed);
//   (c) openpyxl: /usr/bin/python3, openpyxl load_workbook(read_only=True)
//                 iterating all values of all sheets (skipped with
//                 --skip-openpyxl or PRODPLAN_BENCH_SKIP_OPENPYXL=1, or when
//                 python3/openpyxl is missing).
// (a) and (b) take the best of --repeat runs (default 3). Prints seconds,
// rows/s, the ratios ours-vs-openpyxl and ours-vs-floor, our peak RSS, and the
// CPU seconds of (a) and (b) (ours uses ReaderLimits::parse_threads worker
// threads, default 2; --threads N overrides, 0 = one thread). The machine's load
// average is printed too: wall-clock ratios mean little on a busy machine.
// Targets: >= 20x faster than openpyxl, <= 2x the floor.
#include "core/common/errors.h"
#include "core/demo/generator.h"
#include "core/xlsx/workbook_reader.h"
#include "core/xlsx/workbook_writer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds(int who) {
  rusage ru{};
  getrusage(who, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

long peak_rss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

std::string run_capture(const std::string& cmd, int& status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    status = -1;
    return out;
  }
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  status = pclose(p);
  return out;
}

// Child mode: read the file, stream every sheet, print
// "rows cells seconds parse_seconds peak_rss_kib cpu_seconds".
int parse_only(const std::string& path, int threads) {
  const auto t0 = Clock::now();
  // The workbook in memory, as the SQL layer has it (a bytea): mapped, not
  // copied (reading 50 MB through read() into a fresh buffer costs ~0.25 s of
  // page faults on a small VM, more than unzip spends reading the file).
  const int fd = open(path.c_str(), O_RDONLY);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
    std::fprintf(stderr, "cannot open %s\n", path.c_str());
    return 2;
  }
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) {
    std::fprintf(stderr, "cannot map %s\n", path.c_str());
    return 2;
  }
  const auto t1 = Clock::now();
  std::uint64_t rows = 0, cells = 0;
  pp::xlsx::ReaderLimits limits;
  if (threads >= 0) limits.parse_threads = static_cast<std::uint32_t>(threads);
  pp::xlsx::WorkbookReader wb(map, size, limits);
  for (std::size_t s = 0; s < wb.sheets().size(); ++s) {
    wb.read_sheet(s, [&](const pp::xlsx::Row& row) {
      ++rows;
      for (const auto& c : row.cells) cells += c.kind != pp::xlsx::CellValue::Kind::Empty;
    });
  }
  munmap(map, size);
  std::printf("%llu %llu %.6f %.6f %ld %.6f\n", static_cast<unsigned long long>(rows),
              static_cast<unsigned long long>(cells), seconds_since(t0), seconds_since(t1),
              peak_rss_kib(), cpu_seconds(RUSAGE_SELF));
  return 0;
}

const char* kOpenpyxlScript = R"PY(
import sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
rows = cells = 0
for ws in wb.worksheets:
    for row in ws.iter_rows(values_only=True):
        n = sum(1 for v in row if v is not None)
        if n:
            rows += 1
            cells += n
wb.close()
print(rows, cells)
)PY";

bool have_openpyxl() {
  if (access("/usr/bin/python3", X_OK) != 0) return false;
  return std::system("/usr/bin/python3 -c 'import openpyxl' >/dev/null 2>&1") == 0;
}

struct OursResult {
  unsigned long long rows = 0, cells = 0;
  double seconds = 0, parse_seconds = 0, cpu = 0;
  long rss_kib = 0;
  bool ok = false;
};

OursResult run_ours(const std::string& self, const std::string& file, int threads) {
  OursResult r;
  int status = 0;
  const std::string out = run_capture(shell_quote(self) + " --threads " + std::to_string(threads) +
                                          " --parse-only " + shell_quote(file),
                                      status);
  if (status != 0 || std::sscanf(out.c_str(), "%llu %llu %lf %lf %ld %lf", &r.rows, &r.cells,
                                 &r.seconds, &r.parse_seconds, &r.rss_kib, &r.cpu) != 6) {
    std::fprintf(stderr, "our reader failed (status %d): %s\n", status, out.c_str());
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  double scale = 1.0;
  bool skip_openpyxl = false;
  int repeat = 3;
  int threads = -1;  // the reader's default
  std::string file, keep;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--parse-only" && i + 1 < argc) return parse_only(argv[i + 1], threads);
    if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--skip-openpyxl") {
      skip_openpyxl = true;
    } else if (a == "--file" && i + 1 < argc) {
      file = argv[++i];
    } else if (a == "--keep" && i + 1 < argc) {
      keep = argv[++i];
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "-h" || a == "--help") {
      std::printf("usage: %s [SCALE] [--skip-openpyxl] [--file WORKBOOK.xlsx] [--keep PATH] [--repeat N] "
                  "[--threads N]\n",
                  argv[0]);
      return 0;
    } else {
      char* end = nullptr;
      scale = std::strtod(a.c_str(), &end);
      if (end == a.c_str() || *end != '\0' || !(scale > 0)) {
        std::fprintf(stderr, "bad argument '%s' (expected a scale > 0)\n", a.c_str());
        return 2;
      }
    }
  }
  if (const char* e = std::getenv("PRODPLAN_BENCH_SKIP_OPENPYXL"); e != nullptr && *e && std::strcmp(e, "0") != 0) {
    skip_openpyxl = true;
  }
  const std::string self = fs::read_symlink("/proc/self/exe").string();

  fs::path tmpdir;
  try {
    if (file.empty()) {
      tmpdir = fs::temp_directory_path() / ("pp_bench_xlsx_" + std::to_string(getpid()));
      fs::create_directories(tmpdir);
      file = keep.empty() ? (tmpdir / "demo.xlsx").string() : keep;
      const auto t0 = Clock::now();
      std::size_t written_rows = 0;
      {
        pp::demo::DemoOptions opt;
        opt.scale = scale;
        const pp::model::Factory f = pp::demo::generate_demo(opt);
        const double gen_s = seconds_since(t0);
        const auto t1 = Clock::now();
        pp::xlsx::WorkbookWriteOptions wopt;
        wopt.tmpdir = tmpdir.string();
        written_rows = pp::xlsx::write_reference_workbook(f, file, wopt).total_rows();
        std::printf("generated demo scale %g: %zu data rows (generate %.1f s, write %.1f s)\n", scale,
                    written_rows, gen_s, seconds_since(t1));
      }
    }
    const auto size = fs::file_size(file);
    std::printf("workbook: %s (%.1f MB)\n", file.c_str(), static_cast<double>(size) / 1e6);
    std::printf("load average before the runs: %s (on %u CPUs)\n", load_average().c_str(),
                std::thread::hardware_concurrency());
    std::fflush(stdout);

    // (a) ours
    OursResult best;
    for (int i = 0; i < repeat; ++i) {
      OursResult r = run_ours(self, file, threads);
      if (!r.ok) return 1;
      if (!best.ok || r.seconds < best.seconds) best = r;
    }
    // (b) the decompression floor
    double floor_s = 1e100, floor_cpu = 0;
    for (int i = 0; i < repeat; ++i) {
      const double c0 = cpu_seconds(RUSAGE_CHILDREN);
      const auto t0 = Clock::now();
      const int st = std::system(("unzip -p " + shell_quote(file) + " 'xl/worksheets/*.xml' > /dev/null").c_str());
      const double s = seconds_since(t0);
      const double c = cpu_seconds(RUSAGE_CHILDREN) - c0;
      if (st != 0) {
        std::fprintf(stderr, "unzip -p failed (status %d)\n", st);
        floor_s = -1;
        break;
      }
      if (s < floor_s) floor_cpu = c;
      floor_s = std::min(floor_s, s);
    }
    // (c) openpyxl
    double py_s = -1;
    std::string py_counts;
    if (skip_openpyxl) {
      std::printf("openpyxl: skipped (--skip-openpyxl or PRODPLAN_BENCH_SKIP_OPENPYXL)\n");
    } else if (!have_openpyxl()) {
      std::printf("openpyxl: skipped (/usr/bin/python3 with openpyxl not available)\n");
    } else {
      const fs::path script = (tmpdir.empty() ? fs::temp_directory_path() : tmpdir) /
                              ("pp_bench_openpyxl_" + std::to_string(getpid()) + ".py");
      std::ofstream(script) << kOpenpyxlScript;
      std::printf("openpyxl: running (about a minute per million rows)...\n");
      std::fflush(stdout);
      const auto t0 = Clock::now();
      int st = 0;
      py_counts = run_capture("/usr/bin/python3 " + shell_quote(script.string()) + " " + shell_quote(file), st);
      py_s = seconds_since(t0);
      fs::remove(script);
      if (st != 0) {
        std::fprintf(stderr, "openpyxl failed (status %d)\n", st);
        py_s = -1;
      }
      while (!py_counts.empty() && (py_counts.back() == '\n' || py_counts.back() == '\r')) py_counts.pop_back();
    }

    const double rows = static_cast<double>(best.rows);
    std::printf("\n%-36s %9s %14s %9s\n", "", "seconds", "rows/s", "CPU s");
    std::printf("%-36s %9.3f %14.0f %9.3f   (%llu rows, %llu cells; parse %.3f s after mapping the file)\n",
                "ours (WorkbookReader, all sheets)", best.seconds, rows / best.seconds, best.cpu, best.rows,
                best.cells, best.parse_seconds);
    if (floor_s > 0) {
      std::printf("%-36s %9.3f %14.0f %9.3f\n", "floor (unzip -p sheets > /dev/null)", floor_s, rows / floor_s,
                  floor_cpu);
    }
    if (py_s > 0) {
      std::printf("%-36s %9.3f %14.0f %9s   (openpyxl counted: %s rows/cells)\n", "openpyxl read_only", py_s,
                  rows / py_s, "", py_counts.c_str());
    }
    std::printf("\nours vs openpyxl: ");
    if (py_s > 0) {
      std::printf("%.1fx faster (target >= 20x)\n", py_s / best.seconds);
    } else {
      std::printf("n/a\n");
    }
    if (floor_s > 0) {
      std::printf("ours vs floor:    %.2fx the unzip time (target <= 2x)\n", best.seconds / floor_s);
    }
    std::printf("our peak RSS:     %.1f MB (including the mapped workbook: %.1f MB)\n",
                static_cast<double>(best.rss_kib) / 1024.0, static_cast<double>(size) / 1048576.0);
    if (py_s > 0 && !py_counts.empty()) {
      const std::string ours_counts = std::to_string(best.rows) + " " + std::to_string(best.cells);
      if (ours_counts != py_counts) {
        std::printf("WARNING: counts differ: ours '%s', openpyxl '%s'\n", ours_counts.c_str(), py_counts.c_str());
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_xlsx_parse: %s\n", e.what());
    if (!tmpdir.empty()) fs::remove_all(tmpdir);
    return 1;
  }
  if (!tmpdir.empty()) fs::remove_all(tmpdir);
  return 0;
}
