#include "pg/copy_into.h"

#include "pg/pg_includes.h"

namespace pp::pg {

namespace {
// COPY's data-source callback has no user argument: the current source lives
// here for the duration of one copy_into_table call (backends are
// single-threaded, and calls do not nest).
struct MemorySource {
  const char* data;
  std::size_t len;
  std::size_t pos;
};
MemorySource* current_source = nullptr;

int read_memory(void* outbuf, int minread, int maxread) {
  MemorySource* src = current_source;
  std::size_t left = src->len - src->pos;
  std::size_t n = left < static_cast<std::size_t>(maxread) ? left : static_cast<std::size_t>(maxread);
  memcpy(outbuf, src->data + src->pos, n);
  src->pos += n;
  // Returning less than minread means end of data, which is only true when
  // nothing is left: we always return all we have up to maxread.
  return static_cast<int>(n);
}
}  // namespace

std::size_t copy_into_table(const char* table, const char* const* columns, int ncolumns,
                            const char* data, std::size_t len) {
  Oid nsp = get_namespace_oid("prodplan", false);
  Oid relid = get_relname_relid(table, nsp);
  if (!OidIsValid(relid))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                    errmsg("relation prodplan.%s does not exist", table)));
  return copy_into_relation(relid, columns, ncolumns, data, len);
}

std::size_t copy_into_relation(unsigned int relid_in, const char* const* columns, int ncolumns,
                               const char* data, std::size_t len) {
  Oid relid = static_cast<Oid>(relid_in);
  AclResult acl = pg_class_aclcheck(relid, GetUserId(), ACL_INSERT);
  if (acl != ACLCHECK_OK) aclcheck_error(acl, OBJECT_TABLE, get_rel_name(relid));

  Relation rel = table_open(relid, RowExclusiveLock);
  ParseState* pstate = make_parsestate(NULL);
  (void)addRangeTableEntryForRelation(pstate, rel, RowExclusiveLock, NULL, false, false);

  List* attnames = NIL;
  for (int i = 0; i < ncolumns; i++) attnames = lappend(attnames, makeString(pstrdup(columns[i])));
  // The serializer writes UTF-8 whatever the session's client_encoding is.
  List* options = list_make1(makeDefElem(pstrdup("encoding"), (Node*)makeString(pstrdup("UTF8")), -1));

  MemorySource src = {data, len, 0};
  MemorySource* saved = current_source;
  current_source = &src;
  uint64 rows = 0;
  PG_TRY();
  {
    CopyFromState cstate = BeginCopyFrom(pstate, rel, NULL, NULL, false, read_memory, attnames, options);
    rows = CopyFrom(cstate);
    EndCopyFrom(cstate);
  }
  PG_FINALLY();
  {
    current_source = saved;
  }
  PG_END_TRY();

  free_parsestate(pstate);
  table_close(rel, NoLock);  // keep the lock until commit
  return static_cast<std::size_t>(rows);
}

}  // namespace pp::pg
