# prodplan: PGXS build of prodplan.so plus the project's own targets.
#   make / make install      build and install the extension (needs pg_config of PostgreSQL 15)
#   make test                fresh set-up, unit tests, every pg_regress suite and integration test
#   make demo / make stop    a persistent demo cluster with a demo factory loaded / stop it
#   make bench               the benchmarks of tests/bench
#   make load / make growth  the read paths under pgbench load / the main operations at 3 scales
#   make unit                the PostgreSQL-free core: build and run its GoogleTest suite

EXTENSION    = prodplan
MODULE_big   = prodplan
PGFILEDESC   = "prodplan - production planning inside PostgreSQL"

CORE_SRCS   := $(sort $(wildcard src/core/*/*.cpp))
PG_SRCS     := $(sort $(wildcard src/pg/*.cpp))
# UNITY=1 (what make test and make demo build): the core compiles as one translation unit
# per domain folder (build/unity/core_<domain>.cpp includes the folder's .cpp files). A
# one-shot build then costs less than half the CPU (the core: 130 CPU-s instead of 295 on
# the 2-core CI machine; headers and templates are compiled once per folder, not per file).
# Without it, one object per file keeps a developer's rebuild after an edit small. So the
# core stays unity-safe: two files of one folder may not define the same name in an
# anonymous namespace (the compiler says so).
ifeq ($(UNITY),1)
CORE_OBJS   := $(patsubst %,build/unity/core_%.o,$(sort $(notdir $(patsubst %/,%,$(dir $(CORE_SRCS))))))
else
CORE_OBJS   := $(CORE_SRCS:.cpp=.o)
endif
OBJS         = $(CORE_OBJS) $(PG_SRCS:.cpp=.o)
DATA         = $(sort $(wildcard migrations/prodplan--*.sql))
REGRESS      = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --outputdir=build/regress --load-extension=prodplan

PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)

WARN_CXX   = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
             -Wno-deprecated-enum-enum-conversion -Wno-register
# Hidden visibility keeps our C++ symbols from clashing with other extensions';
# PostgreSQL 15 leaves PGDLLEXPORT empty, so the entry points say "default" here.
PG_CXXFLAGS += -std=c++20 -Isrc -fvisibility=hidden $(WARN_CXX) $(if $(WERROR),-Werror) \
               '-DPGDLLEXPORT=__attribute__((visibility("default")))'
PG_CPPFLAGS += -Isrc
# Eigen (header-only) as a system include: its own warnings are not ours.
PG_CPPFLAGS += $(patsubst -I%,-isystem %,$(shell pkg-config --cflags eigen3 2>/dev/null || echo -I/usr/include/eigen3))
# Header dependencies (PGXS tracks them only when PostgreSQL was built with
# --enable-depend, which Debian's is not): a changed core struct must rebuild
# every object that includes it, or old and new layouts meet at run time.
PG_CXXFLAGS += -MMD -MP
EXTRA_CLEAN += $(OBJS:.o=.d) build/unity
SHLIB_LINK  += -lxlsxwriter -lzip -lexpat -lz -lstdc++

# No LLVM bitcode: the JIT cannot inline C++, and PGXS would compile our C++20
# with Debian's clang without our flags. Must precede the include.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
-include $(OBJS:.o=.d)

ifeq ($(UNITY),1)
# A folder's unity source lists its .cpp files; it is rewritten when one of them (or this
# Makefile) changes, and then its object is rebuilt.
# A static pattern rule: a general one would also offer make a way to "build" the
# missing .d files it tries to remake before the first build.
.SECONDEXPANSION:
$(CORE_OBJS:.o=.cpp): build/unity/core_%.cpp: $$(wildcard src/core/$$*/*.cpp) Makefile
	@mkdir -p $(@D)
	@printf '#include "%s"\n' $(patsubst src/%,%,$(sort $(wildcard src/core/$*/*.cpp))) >$@
# -Wsubobject-linkage takes the included .cpp files for headers and warns that a class
# holds a member of a type from the anonymous namespace, which is right in a source file.
build/unity/%.o: override CXXFLAGS += -Wno-subobject-linkage
endif

.PHONY: test demo stop bench load growth unit fuzz deps check-core-purity

deps:
	@tests/harness/deps.sh

unit: deps
	@tests/harness/unit.sh

test:
	@tests/harness/test.sh

demo:
	@tests/harness/demo.sh

stop:
	@tests/harness/stop.sh

bench:
	@tests/harness/bench.sh

# The read paths under load: pgbench at 8 and 32 clients on load_demo(1) (tests/bench/bench_load.sh).
load:
	@BENCH_ONLY=bench_load tests/harness/bench.sh

# How cost grows: the main operations at load_demo scales 0.1, 1 and 5 (tests/bench/bench_growth.sh).
growth:
	@BENCH_ONLY=bench_growth tests/harness/bench.sh

# libFuzzer targets (tests/fuzz), FUZZ_SECONDS each (default 60).
fuzz:
	@tests/harness/fuzz.sh

# The core must stay free of PostgreSQL: no PostgreSQL header may be named there.
check-core-purity:
	@! grep -rnE '#\s*include\s*[<"](postgres|fmgr|miscadmin|funcapi|utils/|executor/|access/|catalog/|nodes/|commands/)' src/core \
	  || (echo "src/core includes PostgreSQL headers (see above)"; exit 1)

all: check-core-purity
