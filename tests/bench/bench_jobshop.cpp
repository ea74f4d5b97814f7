// Benchmark of the job-shop / flexible job-shop engine (src/core/schedule)
// on the public instances of $PRODPLAN_SHARED/bench (default ../shared,
// relative to the working directory, which the harness sets to the repo):
// jssp/*.txt (OR-Library) and fjsp/*.fjs (Brandimarte format).
//
//   bench_jobshop [--time-ms N] [--filter REGEX] [--family ft,la,...] [--seed S]
//                 [--jobs K] [--max-iterations N]
//
// Solves each instance with the time limit (default 1000 ms), checks every
// solution with the independent checker of tests/unit/support, and prints per
// instance: name, best known makespan (csv upper_bound), ours, the first
// (constructive) makespan, gap %, wall and CPU seconds, tabu iterations;
// then the mean gap per family (ft la abz orb swv yn; mk kacem edata rdata
// vdata). --jobs K solves K instances at once (one thread each). Exits 1 if
// any solution is infeasible or beats a published lower bound (a bug either
// way), 0 otherwise; prints "skipped" and exits 0 if the instances are absent.
#include "core/common/errors.h"
#include "core/schedule/jobshop_instance.h"
#include "core/schedule/jobshop_solver.h"
#include "../unit/support/jobshop_checker.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <time.h>
#include <vector>

namespace fs = std::filesystem;
using namespace pp::schedule;

namespace {

struct Bounds {
  long long lower = -1, upper = -1;
};

struct Task {
  std::string name, family, path;
  JobShopFormat format;
  Bounds bounds;
  // Filled by the solve.
  long long makespan = 0, lb = 0, first = 0, iterations = 0;
  double seconds = 0, cpu = 0, gap = 0;
  std::string error;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

// name -> bounds, from `name,...,lower_bound,upper_bound` (last two columns).
std::map<std::string, Bounds> read_bounds(const std::string& path) {
  std::map<std::string, Bounds> out;
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto f = split(line, ',');
    if (f.size() < 3) continue;
    Bounds b;
    if (!f[f.size() - 2].empty()) b.lower = std::atoll(f[f.size() - 2].c_str());
    if (!f.back().empty()) b.upper = std::atoll(f.back().c_str());
    out[f[0]] = b;
  }
  return out;
}

std::string family_of(const std::string& name) {
  for (const char* f : {"edata", "rdata", "vdata"})
    if (name.find(std::string("hurink_") + f) == 0) return f;
  for (const char* f : {"kacem", "abz", "orb", "swv", "ft", "la", "yn", "mk"})
    if (name.rfind(f, 0) == 0) return f;
  return "other";
}

const std::vector<std::string> kFamilyOrder = {"ft", "la", "abz", "orb", "swv", "yn",
                                               "mk", "kacem", "edata", "rdata", "vdata", "other"};

// CPU time of the calling thread: on a shared machine the wall clock can
// run while the solver is not scheduled at all.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

std::string shared_dir() {
  const char* env = std::getenv("PRODPLAN_SHARED");
  return env != nullptr && *env != '\0' ? env : "../shared";
}

}  // namespace

int main(int argc, char** argv) {
  long long time_ms = 1000, max_iterations = 0;
  unsigned long long seed = 1;
  int jobs = 1;
  std::string filter, families;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--time-ms") time_ms = std::atoll(value().c_str());
    else if (a == "--filter") filter = value();
    else if (a == "--family") families = value();
    else if (a == "--seed") seed = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--jobs") jobs = std::max(1, std::atoi(value().c_str()));
    else if (a == "--max-iterations") max_iterations = std::atoll(value().c_str());
    else {
      std::fprintf(stderr,
                   "usage: %s [--time-ms N] [--filter REGEX] [--family ft,la,...] [--seed S] [--jobs K] "
                   "[--max-iterations N]\n",
                   argv[0]);
      return 2;
    }
  }
  const fs::path bench = fs::path(shared_dir()) / "bench";
  if (!fs::is_directory(bench / "jssp") && !fs::is_directory(bench / "fjsp")) {
    std::printf("bench_jobshop: skipped (no instances under %s)\n", bench.string().c_str());
    return 0;
  }
  std::vector<std::string> wanted = families.empty() ? std::vector<std::string>{} : split(families, ',');
  std::regex re(filter.empty() ? std::string(".*") : filter);
  std::vector<Task> tasks;
  for (auto [dir, ext, csv, format] : {std::tuple{"jssp", ".txt", "jssp_bounds.csv", JobShopFormat::Jsp},
                                       std::tuple{"fjsp", ".fjs", "fjsp_bounds.csv", JobShopFormat::Fjs}}) {
    if (!fs::is_directory(bench / dir)) continue;
    auto bounds = read_bounds((bench / csv).string());
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(bench / dir))
      if (e.path().extension() == ext) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      Task t;
      t.name = f.stem().string();
      t.family = family_of(t.name);
      t.path = f.string();
      t.format = format;
      if (bounds.count(t.name)) t.bounds = bounds[t.name];
      if (!std::regex_search(t.name, re)) continue;
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), t.family) == wanted.end()) continue;
      tasks.push_back(t);
    }
  }
  // Wall-clock limits mean little on a busy machine: show the load.
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 0) load[0] = -1;
  std::printf("bench_jobshop: %zu instances, %lld ms each, seed %llu, %d at once, load average %.2f\n",
              tasks.size(), time_ms, seed, jobs, load[0]);
  std::printf("%-22s %8s %8s %8s %7s %7s %7s %10s\n", "instance", "best", "ours", "first", "gap%", "sec", "cpu",
              "iters");
  std::mutex print_mutex;
  std::atomic<std::size_t> next{0};
  auto worker = [&]() {
    for (std::size_t i = next++; i < tasks.size(); i = next++) {
      Task& t = tasks[i];
      try {
        JobShopInstance inst = parse_jobshop(read_file(t.path), t.format);
        SolveOptions opt;
        opt.time_limit_ms = time_ms;
        opt.seed = seed;
        opt.max_iterations = max_iterations;
        const double cpu0 = thread_cpu_seconds();
        SolveResult r = solve_jobshop(inst, opt);
        t.cpu = thread_cpu_seconds() - cpu0;
        t.error = pp::test::check_jobshop_solution(inst, r);
        if (t.error.empty() && t.bounds.lower >= 0 && r.makespan < t.bounds.lower)
          t.error = "makespan below the published lower bound";
        t.makespan = r.makespan;
        t.lb = r.lower_bound;
        t.first = r.first_solution_makespan;
        t.iterations = r.iterations;
        t.seconds = r.seconds;
        if (t.error.empty() && r.lower_bound > t.bounds.upper && t.bounds.upper >= 0)
          t.error = "our lower bound exceeds the best known makespan";
        t.gap = t.bounds.upper > 0 ? 100.0 * static_cast<double>(r.makespan - t.bounds.upper) /
                                         static_cast<double>(t.bounds.upper)
                                   : 0.0;
      } catch (const std::exception& e) {
        t.error = e.what();
      }
      std::lock_guard<std::mutex> lock(print_mutex);
      std::printf("%-22s %8lld %8lld %8lld %7.2f %7.2f %7.2f %10lld%s%s\n", t.name.c_str(), t.bounds.upper,
                  t.makespan, t.first, t.gap, t.seconds, t.cpu, t.iterations, t.makespan == t.lb ? " opt" : "",
                  t.error.empty() ? "" : ("  INFEASIBLE: " + t.error).c_str());
      std::fflush(stdout);
    }
  };
  std::vector<std::thread> threads;
  for (int k = 1; k < jobs; ++k) threads.emplace_back(worker);
  worker();
  for (auto& th : threads) th.join();

  int bad = 0;
  std::printf("\n%-8s %6s %9s %9s %9s\n", "family", "count", "mean_gap%", "max_gap%", "at_best");
  double all_sum = 0;
  int all_n = 0;
  for (const std::string& fam : kFamilyOrder) {
    double sum = 0, mx = 0;
    int n = 0, at_best = 0;
    for (const Task& t : tasks) {
      if (t.family != fam) continue;
      if (!t.error.empty()) continue;
      sum += t.gap;
      mx = std::max(mx, t.gap);
      at_best += t.makespan <= t.bounds.upper;
      ++n;
    }
    if (n == 0) continue;
    all_sum += sum;
    all_n += n;
    std::printf("%-8s %6d %9.2f %9.2f %9d\n", fam.c_str(), n, sum / n, mx, at_best);
  }
  if (all_n > 0) std::printf("%-8s %6d %9.2f\n", "all", all_n, all_sum / all_n);
  for (const Task& t : tasks)
    if (!t.error.empty()) {
      std::printf("FAILED %s: %s\n", t.name.c_str(), t.error.c_str());
      ++bad;
    }
  return bad == 0 ? 0 : 1;
}
