// The library's version. Must equal default_version in prodplan.control; the
// schema regression test checks prodplan.version() against pg_extension.
#pragma once
#define PRODPLAN_VERSION "0.24.0"
