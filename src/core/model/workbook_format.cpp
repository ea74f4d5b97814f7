#include "core/model/workbook_format.h"

namespace pp::model {

const std::vector<SheetFormat>& reference_sheets() {
  static const std::vector<SheetFormat> sheets = {
      {Sheet::Orders, "OrdensFabrico", "production_order",
       {"Of_Id", "Of_DataCriacao", "Of_DataAcabamento", "Of_ProdutoId", "Of_FaseId",
        "Of_DataTransporte"}},
      {Sheet::Operations, "FasesOrdemFabrico", "operation",
       {"FaseOf_Id", "FaseOf_OfId", "FaseOf_Inicio", "FaseOf_Fim", "FaseOf_DataPrevista",
        "FaseOf_Coeficiente", "FaseOf_CoeficienteX", "FaseOf_FaseId", "FaseOf_Peso",
        "FaseOf_Retorno", "FaseOf_Turno", "FaseOf_Sequencia"}},
      {Sheet::Assignments, "FuncionariosFaseOrdemFabrico", "operation_assignment",
       {"FuncionarioFaseOf_FaseOfId", "FuncionarioFaseOf_FuncionarioId",
        "FuncionarioFaseOf_Chefe"}},
      {Sheet::Defects, "OrdemFabricoErros", "defect",
       {"Erro_Descricao", "Erro_OfId", "Erro_FaseAvaliacao", "OFCH_GRAVIDADE",
        "Erro_FaseOfAvaliacao", "Erro_FaseOfCulpada"}},
      {Sheet::Employees, "Funcionarios", "employee",
       {"Funcionario_Id", "Funcionario_Nome", "Funcionario_Activo"}},
      {Sheet::Skills, "FuncionariosFasesAptos", "employee_skill",
       {"FuncionarioFase_FuncionarioId", "FuncionarioFase_FaseId", "FuncionarioFase_Inicio"}},
      {Sheet::WorkCenters, "Fases", "work_center",
       {"Fase_Id", "Fase_Nome", "Fase_Sequencia", "Fase_DeProducao", "Fase_Automatica"}},
      {Sheet::Products, "Modelos", "product",
       {"Produto_Id", "Produto_Nome", "Produto_PesoDesmolde", "Produto_PesoAcabamento",
        "Produto_QtdGelDeck", "Produto_QtdGelCasco"}},
      {Sheet::RoutingSteps, "FasesStandardModelos", "routing_step",
       {"ProdutoFase_ProdutoId", "ProdutoFase_FaseId", "ProdutoFase_Sequencia",
        "ProdutoFase_Coeficiente", "ProdutoFase_CoeficienteX"}},
  };
  return sheets;
}

const SheetFormat& sheet_format(Sheet sheet) {
  return reference_sheets().at(static_cast<std::size_t>(sheet));
}

}  // namespace pp::model
