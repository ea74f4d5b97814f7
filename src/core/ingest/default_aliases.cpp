// The default column and sheet aliases (staging.h) that the SQL layer inserts
// into prodplan.column_aliases / prodplan.sheet_aliases.
//
// Profile "prodplan": the reference headers of DOMAIN.md. The sheet names and
// header texts come from model::reference_sheets() (shared with the workbook
// writer); this file only says which canonical column each header feeds, and
// checks at first use that every reference header is mapped (a missing one is
// a bug: pp::Error Internal).
#include <string>
#include <utility>

#include "core/common/errors.h"
#include "core/ingest/staging.h"
#include "core/model/workbook_format.h"

namespace pp::ingest {

namespace {

struct HeaderColumn {
  std::string_view header;
  std::string_view column;
};

// Reference header -> canonical column, per entity. Extra spellings that real
// exports use (new orthography, typos the ERP fixed later) follow the
// reference ones.
const std::vector<std::pair<std::string_view, std::vector<HeaderColumn>>>& prodplan_headers() {
  static const std::vector<std::pair<std::string_view, std::vector<HeaderColumn>>> m = {
      {"production_order",
       {{"Of_Id", "order_id"},
        {"Of_DataCriacao", "created_at"},
        {"Of_DataAcabamento", "finished_at"},
        {"Of_ProdutoId", "product_id"},
        {"Of_FaseId", "current_work_center_id"},
        {"Of_DataTransporte", "due_at"}}},
      {"operation",
       {{"FaseOf_Id", "operation_id"},
        {"FaseOf_OfId", "order_id"},
        {"FaseOf_Inicio", "started_at"},
        {"FaseOf_Fim", "ended_at"},
        {"FaseOf_DataPrevista", "planned_at"},
        {"FaseOf_Coeficiente", "coefficient"},
        {"FaseOf_CoeficienteX", "coefficient_x"},
        {"FaseOf_FaseId", "work_center_id"},
        {"FaseOf_Peso", "weight_kg"},
        {"FaseOf_Retorno", "is_rework"},
        {"FaseOf_Turno", "shift"},
        {"FaseOf_Sequencia", "sequence"}}},
      {"operation_assignment",
       {{"FuncionarioFaseOf_FaseOfId", "operation_id"},
        {"FuncionarioFaseOf_FuncionarioId", "employee_id"},
        {"FuncionarioFaseOf_Chefe", "is_lead"}}},
      {"defect",
       {{"Erro_Descricao", "description"},
        {"Erro_OfId", "order_id"},
        {"Erro_FaseAvaliacao", "evaluation_work_center_id"},
        {"OFCH_GRAVIDADE", "severity"},
        {"Erro_FaseOfAvaliacao", "evaluation_operation_id"},
        {"Erro_FaseOfCulpada", "culprit_operation_id"}}},
      {"employee",
       {{"Funcionario_Id", "employee_id"},
        {"Funcionario_Nome", "name"},
        {"Funcionario_Activo", "is_active"},
        {"Funcionario_Ativo", "is_active"}}},
      {"employee_skill",
       {{"FuncionarioFase_FuncionarioId", "employee_id"},
        {"FuncionarioFase_FaseId", "work_center_id"},
        {"FuncionarioFase_Inicio", "qualified_since"}}},
      {"work_center",
       {{"Fase_Id", "work_center_id"},
        {"Fase_Nome", "name"},
        {"Fase_Sequencia", "sequence"},
        {"Fase_DeProducao", "is_production"},
        {"Fase_Automatica", "is_automatic"}}},
      {"product",
       {{"Produto_Id", "product_id"},
        {"Produto_Nome", "name"},
        {"Produto_PesoDesmolde", "demould_weight_kg"},
        {"Produto_PesoAcabamento", "finish_weight_kg"},
        {"Produto_QtdGelDeck", "gel_deck_kg"},
        {"Produto_QtdGelCasco", "gel_hull_kg"}}},
      {"routing_step",
       {{"ProdutoFase_ProdutoId", "product_id"},
        {"ProdutoFase_FaseId", "work_center_id"},
        {"ProdutoFase_Sequencia", "sequence"},
        {"ProdutoFase_Coeficiente", "coefficient"},
        {"ProdutoFase_CoeficienteX", "coefficient_x"}}},
  };
  return m;
}

const std::vector<HeaderColumn>& headers_of(std::string_view entity) {
  for (const auto& [e, list] : prodplan_headers())
    if (e == entity) return list;
  throw Error(ErrorKind::Internal, "no prodplan header map for entity " + std::string(entity));
}

bool has_column(const EntitySpec& spec, std::string_view column) {
  for (const ColumnSpec& c : spec.columns)
    if (c.name == column) return true;
  return false;
}

std::vector<ColumnAlias> build_column_aliases() {
  std::vector<ColumnAlias> out;
  // prodplan: every reference header must be mapped, and to a real column.
  for (const model::SheetFormat& sf : model::reference_sheets()) {
    const EntitySpec* spec = find_entity(sf.entity);
    if (spec == nullptr)
      throw Error(ErrorKind::Internal, "reference sheet feeds unknown entity " + std::string(sf.entity));
    const std::vector<HeaderColumn>& map = headers_of(sf.entity);
    for (std::string_view h : sf.headers) {
      bool found = false;
      for (const HeaderColumn& hc : map) found = found || hc.header == h;
      if (!found) throw Error(ErrorKind::Internal, "reference header " + std::string(h) + " has no default alias");
    }
    for (const HeaderColumn& hc : map) {
      if (!has_column(*spec, hc.column))
        throw Error(ErrorKind::Internal,
                    "default alias " + std::string(hc.header) + " names unknown column " + std::string(hc.column));
      out.push_back({"prodplan", std::string(sf.entity), std::string(hc.header), std::string(hc.column)});
    }
  }
  // canonical: the column names themselves.
  for (const EntitySpec& spec : workbook_entities())
    for (const ColumnSpec& c : spec.columns)
      out.push_back({"canonical", std::string(spec.entity), std::string(c.name), std::string(c.name)});
  return out;
}

std::vector<SheetAlias> build_sheet_aliases() {
  std::vector<SheetAlias> out;
  for (const model::SheetFormat& sf : model::reference_sheets())
    out.push_back({"prodplan", std::string(sf.name), std::string(sf.entity)});
  for (const EntitySpec& spec : workbook_entities())
    out.push_back({"canonical", std::string(spec.entity), std::string(spec.entity)});
  return out;
}

}  // namespace

const std::vector<ColumnAlias>& default_column_aliases() {
  static const std::vector<ColumnAlias> aliases = build_column_aliases();
  return aliases;
}

const std::vector<SheetAlias>& default_sheet_aliases() {
  static const std::vector<SheetAlias> aliases = build_sheet_aliases();
  return aliases;
}

}  // namespace pp::ingest
