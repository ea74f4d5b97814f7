#include "pg/temp_file.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "pg/pg_includes.h"

namespace pp::pg {

char* make_temp_file(const char* who, const char* prefix) {
  char* path = (char*)palloc0(MAXPGPATH);
  const char* tmp = std::getenv("TMPDIR");
  snprintf(path, MAXPGPATH, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
  int fd = mkstemp(path);
  if (fd < 0) ereport(ERROR, (errcode_for_file_access(), errmsg("%s: cannot create a temporary file \"%s\": %m", who, path)));
  close(fd);
  return path;
}

// Reads a whole file into a palloc'd buffer (huge allocation allowed) and sets *len.
char* read_whole_file(const char* path, std::size_t* len) {
  int fd = open(path, O_RDONLY | PG_BINARY, 0);
  if (fd < 0) ereport(ERROR, (errcode_for_file_access(), errmsg("could not open \"%s\": %m", path)));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    ereport(ERROR, (errcode_for_file_access(), errmsg("could not stat \"%s\": %m", path)));
  }
  char* buf = (char*)MemoryContextAllocHuge(CurrentMemoryContext, st.st_size + VARHDRSZ);
  off_t done = 0;
  while (done < st.st_size) {
    ssize_t n = read(fd, buf + VARHDRSZ + done, st.st_size - done);
    if (n <= 0) {
      close(fd);
      ereport(ERROR, (errcode_for_file_access(), errmsg("could not read \"%s\": %m", path)));
    }
    done += n;
  }
  close(fd);
  *len = (size_t)st.st_size;
  return buf;  // data starts at buf + VARHDRSZ, so the caller can make it a bytea
}

void* read_file_bytea(const char* who, const char* path) {
  std::size_t len = 0;
  char* buf = read_whole_file(path, &len);
  if (len > MaxAllocSize - VARHDRSZ)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("%s: the workbook is %zu bytes, over the 1 GB bytea limit", who, len)));
  SET_VARSIZE(buf, len + VARHDRSZ);
  return buf;
}

}  // namespace pp::pg
