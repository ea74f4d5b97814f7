// The one way src/pg includes PostgreSQL. Include it AFTER every C++ and core
// header of the file (core headers refuse to compile once postgres.h is seen,
// and <cstdio> and friends break under PostgreSQL's port macros).
#pragma once

extern "C" {
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/copy.h"
#include "commands/vacuum.h"
#include "storage/bufmgr.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "storage/fd.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

// PostgreSQL's port.h redefines these to its own implementations; C++ code
// after this point uses the standard ones.
#undef snprintf
#undef vsnprintf
#undef sprintf
#undef vsprintf
#undef fprintf
#undef vfprintf
#undef printf
#undef vprintf
#undef strerror
#undef strerror_r
