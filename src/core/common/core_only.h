// Included first by every header of src/core. The core is plain C++20 and must
// never see a PostgreSQL header: PostgreSQL's error handling (longjmp) and its
// port macros (snprintf, printf, ...) do not mix with C++ objects. If a file of
// src/pg includes postgres.h before a core header, this fails the build.
#pragma once

#ifdef POSTGRES_H
#error "src/core must not be compiled with PostgreSQL headers: include core headers before postgres.h"
#endif
