#include "core/demo/plant_spec.h"

#include <utility>

namespace pp::demo {

namespace {

constexpr PhaseRole kM = PhaseRole::Mandatory;
constexpr PhaseRole kO = PhaseRole::Optional;

std::vector<PhaseSpec> make_phases() {
  std::vector<PhaseSpec> v;
  v.reserve(kWorkCenters);
  // An exported phase; unused in routings until `use` says otherwise.
  auto add = [&v](int sequence, const char* name, bool production, bool automatic) -> PhaseSpec& {
    PhaseSpec p;
    p.id = static_cast<int>(v.size()) + 1;
    p.name = name;
    p.sequence = sequence;
    p.production = production;
    p.automatic = automatic;
    v.push_back(std::move(p));
    return v.back();
  };
  // A phase of the routings: role, capacity at scale 1, target utilization,
  // weight exponent and noise of durations, culprit multiplier, defects.
  auto use = [](PhaseSpec& p, PhaseRole role, int capacity1, double utilization, double weight_exponent,
                double sigma, double defect_multiplier, std::vector<int> defects,
                std::array<double, 3> affinity = {0, 0, 0}) -> PhaseSpec& {
    p.role = role;
    p.capacity1 = capacity1;
    p.utilization = utilization;
    p.weight_exponent = weight_exponent;
    p.sigma = sigma;
    p.defect_multiplier = defect_multiplier;
    p.defects = std::move(defects);
    p.affinity = affinity;
    return p;
  };
  add(1, "CAD", false, false).fixed_staff = 4;
  add(2, "Engenharia de Produto", false, false);
  add(3, "Orçamentação", false, false);
  add(4, "Planeamento", false, false);
  add(5, "Compras", false, false);
  add(6, "Receção de Materiais", false, false);
  add(7, "Armazém", false, false);
  add(8, "Fabrico de Moldes", true, false).fixed_staff = 4;
  add(9, "Reparação de Moldes", true, false);
  use(add(10, "Preparação de Moldes", true, false), kM, 6, 0.62, 0.35, 0.30, 0.5, {0, 1});
  use(add(15, "Aplicação de Desmoldante", true, false), kO, 3, 0.50, 0.30, 0.25, 0.4, {2, 0}, {1, 1, 1});
  add(18, "Gelcoat Robotizado", true, true);
  use(add(20, "Gelcoat", true, false), kM, 8, 0.66, 0.45, 0.30, 1.6, {3, 4, 5, 6, 7, 8, 9}).colour_setups = true;
  {
    auto& p = use(add(25, "Cura Gelcoat", true, true), kO, 3, 0.45, 0.15, 0.20, 0.3, {10, 6}, {0.8, 0.8, 0.8});
    p.around_the_clock = true;
  }
  use(add(28, "Corte de Fibra", true, false), kO, 3, 0.55, 0.40, 0.30, 0.3, {11, 12}, {0.6, 0.7, 0.8});
  add(29, "Corte CNC de Fibra", true, true);
  use(add(30, "Laminação", true, false), kM, 16, 0.86, 0.55, 0.35, 1.5, {13, 14, 15, 16, 17, 11, 12, 18});
  use(add(35, "Laminação de Reforços", true, false), kO, 6, 0.62, 0.50, 0.35, 0.9, {19, 20}, {0.3, 1, 1.5});
  use(add(38, "Infusão", true, false), kO, 4, 0.60, 0.50, 0.35, 1.0, {21, 15}, {0.1, 0.5, 1.5});
  add(39, "Projeção Simultânea", true, false);
  {
    auto& p = use(add(40, "Cura", true, true), kM, 24, 0.55, 0.15, 0.20, 0.6, {22, 23, 10});
    p.around_the_clock = true;
  }
  use(add(45, "Desmoldagem", true, false), kM, 6, 0.65, 0.40, 0.30, 1.0, {24, 25, 26});
  use(add(48, "Inspeção de Desmoldagem", true, false), kM, 3, 0.55, 0.30, 0.30, 0, {}).evaluation = true;
  use(add(50, "Corte e Rebarbagem", true, false), kM, 5, 0.66, 0.40, 0.30, 0.8, {27, 28});
  add(52, "Fresagem CNC", true, true);
  use(add(55, "Furação", true, false), kO, 2, 0.50, 0.35, 0.30, 0.5, {29, 28}, {0.5, 0.8, 1});
  use(add(58, "Colagem Casco-Convés", true, false), kO, 5, 0.62, 0.45, 0.30, 1.1, {30, 31}, {0.8, 1, 1.2});
  add(60, "Reparação Estrutural", true, false);
  use(add(62, "Lixagem", true, false), kO, 6, 0.66, 0.45, 0.30, 0.7, {32}, {1, 1, 1});
  add(63, "Lixagem Robotizada", true, true);
  use(add(65, "Betumagem", true, false), kO, 4, 0.58, 0.40, 0.30, 0.6, {33}, {0.5, 0.8, 1});
  use(add(68, "Pintura", true, false), kO, 6, 0.64, 0.45, 0.30, 1.4, {34, 35, 36, 37, 38}, {0.4, 1, 1.5})
      .colour_setups = true;
  {
    auto& p = use(add(70, "Estufa de Pintura", true, true), kO, 2, 0.40, 0.15, 0.20, 0.3, {36, 37}, {0.3, 0.7, 1.2});
    p.around_the_clock = true;
  }
  add(71, "Pintura Manual Antiga", true, false);
  use(add(72, "Polimento", true, false), kO, 5, 0.60, 0.45, 0.30, 0.6, {39}, {0.8, 0.9, 1});
  use(add(75, "Controlo Intermédio", true, false), kO, 2, 0.50, 0.30, 0.30, 0, {}, {0.7, 1, 1.2}).evaluation = true;
  add(77, "Serralharia", true, false);
  add(78, "Soldadura Inox", true, false);
  use(add(80, "Carpintaria", true, false), kO, 4, 0.58, 0.50, 0.35, 0.6, {40}, {0.05, 0.6, 1.5});
  add(81, "Tapeçaria", true, false);
  use(add(82, "Montagem Elétrica", true, false), kO, 4, 0.60, 0.45, 0.35, 0.7, {41}, {0.1, 0.8, 1.5});
  add(83, "Eletrónica", true, false);
  use(add(84, "Montagem Mecânica", true, false), kO, 5, 0.62, 0.45, 0.35, 0.7, {42, 43}, {0.1, 1, 1.5});
  add(85, "Motorização", true, false);
  use(add(86, "Montagem de Acessórios", true, false), kO, 6, 0.64, 0.40, 0.30, 0.6, {44, 42}, {1, 1, 1});
  add(87, "Vidros e Escotilhas", true, false);
  use(add(88, "Estofos", true, false), kO, 3, 0.55, 0.45, 0.30, 0.5, {45}, {0.2, 0.6, 1.3});
  add(89, "Serigrafia", true, false);
  add(90, "Vinil e Decoração", true, false);
  use(add(92, "Teste de Estanquidade", true, false), kO, 2, 0.50, 0.30, 0.25, 0, {}, {0.3, 1, 1.4}).evaluation =
      true;
  use(add(94, "Acabamento", true, false), kM, 8, 0.68, 0.45, 0.30, 0.8, {46, 9, 39});
  use(add(95, "Retoques Finais", true, false), kO, 3, 0.50, 0.40, 0.35, 0.4, {9}, {0.7, 0.7, 0.7});
  use(add(96, "Limpeza Final", true, false), kO, 3, 0.45, 0.35, 0.25, 0.3, {46}, {1, 1, 1});
  use(add(97, "Avaliação Final", true, false), kM, 4, 0.58, 0.30, 0.25, 0, {}).evaluation = true;
  use(add(98, "Embalagem", true, false), kM, 3, 0.50, 0.35, 0.25, 0.2, {46, 26});
  use(add(99, "Expedição", false, false), kO, 2, 0.30, 0.20, 0.25, 0, {}, {0.6, 0.6, 0.6});
  add(100, "Testes de Mar", true, false);
  add(101, "Homologação", false, false);
  add(102, "Certificação CE", false, false);
  add(103, "Protótipos", true, false);
  add(104, "Reparação em Garantia", true, false);
  add(105, "Pós-Venda", false, false);
  add(106, "Manutenção", false, false).fixed_staff = 4;
  add(107, "Qualidade de Fornecedores", false, false);
  add(108, "Formação", false, false);
  add(109, "Logística", false, false);
  add(110, "Exposições e Feiras", false, false);
  add(111, "Termoformagem", true, true);
  add(112, "Injeção de Espuma", true, true);
  add(113, "Desenvolvimento", false, false);
  add(114, "Administrativo", false, false);
  return v;
}

}  // namespace

const std::vector<PhaseSpec>& phase_specs() {
  static const std::vector<PhaseSpec> specs = make_phases();
  return specs;
}

const std::vector<FamilySpec>& family_specs() {
  static const std::vector<FamilySpec> families = {
      // name, size, exported, hidden, kg min..max, route min..max, order share, defect multiplier
      {"Kayak", SizeClass::Small, 260, 95, 14, 35, 10, 16, 0.24, 0.80},
      {"Canoa", SizeClass::Small, 110, 40, 25, 60, 10, 17, 0.09, 0.90},
      {"Prancha SUP", SizeClass::Small, 90, 35, 9, 22, 10, 14, 0.07, 0.70},
      {"Gaivota", SizeClass::Medium, 70, 25, 120, 260, 14, 22, 0.08, 1.00},
      {"Barco de Pesca", SizeClass::Medium, 150, 60, 250, 800, 15, 25, 0.23, 1.20},
      {"Lancha", SizeClass::Large, 134, 55, 700, 2500, 19, 29, 0.20, 1.40},
      {"Veleiro", SizeClass::Large, 80, 30, 900, 3800, 21, 30, 0.10, 1.60},
  };
  return families;
}

const std::vector<const char*>& defect_descriptions() {
  static const std::vector<const char*> d = {
      "Marcas do Molde",              // 0
      "Molde Danificado",             // 1
      "Desmoldante em Excesso",       // 2
      "Bolhas no Gelcoat",            // 3
      "Gelcoat Fino",                 // 4
      "Gelcoat Espesso",              // 5
      "Fissuras no Gelcoat",          // 6
      "Poros no Gelcoat",             // 7
      "Contaminação do Gelcoat",      // 8
      "Cor Irregular",                // 9
      "Pegajosidade Superficial",     // 10
      "Fibra à Vista",                // 11
      "Rugas na Fibra",               // 12
      "Bolhas de Ar na Laminação",    // 13
      "Delaminação",                  // 14
      "Zonas Secas",                  // 15
      "Excesso de Resina",            // 16
      "Falta de Resina",              // 17
      "Espessura Insuficiente",       // 18
      "Reforço Descolado",            // 19
      "Reforço Mal Posicionado",      // 20
      "Infusão Incompleta",           // 21
      "Cura Incompleta",              // 22
      "Empeno",                       // 23
      "Riscos na Desmoldagem",        // 24
      "Fissuras de Desmoldagem",      // 25
      "Arestas Partidas",             // 26
      "Corte Irregular",              // 27
      "Rebarbas",                     // 28
      "Furo Mal Posicionado",         // 29
      "Colagem Deficiente",           // 30
      "Junta Casco-Convés Aberta",    // 31
      "Lixagem Insuficiente",         // 32
      "Betume Aparente",              // 33
      "Pintura Malhada",              // 34
      "Escorridos de Tinta",          // 35
      "Casca de Laranja",             // 36
      "Falta de Aderência da Tinta",  // 37
      "Poeira na Pintura",            // 38
      "Polimento Deficiente",         // 39
      "Madeira Danificada",           // 40
      "Falha Elétrica",               // 41
      "Componente Mal Fixado",        // 42
      "Fuga de Água",                 // 43
      "Acessório em Falta",           // 44
      "Estofo Danificado",            // 45
      "Sujidade",                     // 46
  };
  return d;
}

const std::vector<Colour>& colours() {
  static const std::vector<Colour> c = {{"Branco", 0.55}, {"Cinzento", 0.10}, {"Azul", 0.12},
                                        {"Vermelho", 0.08}, {"Amarelo", 0.08}, {"Verde", 0.07}};
  return c;
}

const std::vector<const char*>& downtime_reasons_manual() {
  static const std::vector<const char*> r = {
      "Avaria mecânica",       "Avaria elétrica",          "Falha de ar comprimido", "Manutenção corretiva",
      "Falta de material",     "Falta de pessoal",         "Molde danificado",       "Falha da extração de fumos",
      "Avaria de ferramenta",  "Falha do sistema de projeção"};
  return r;
}

const std::vector<const char*>& downtime_reasons_automatic() {
  static const std::vector<const char*> r = {"Falha de temperatura", "Avaria do queimador", "Falha elétrica",
                                             "Avaria de ventilação", "Manutenção corretiva", "Falha do controlador"};
  return r;
}

const std::vector<const char*>& series_names() {
  static const std::vector<const char*> s = {
      "Tejo",    "Douro",   "Mondego",  "Sado",      "Minho",   "Guadiana", "Lima",     "Vouga",
      "Zêzere",  "Tâmega",  "Arade",    "Mira",      "Cávado",  "Paiva",    "Côa",      "Sabor",
      "Tua",     "Ave",     "Berlenga", "Sagres",    "Nazaré",  "Peniche",  "Ericeira", "Cascais",
      "Sines",   "Aveiro",  "Faro",     "Lagos",     "Tavira",  "Viana",    "Espinho",  "Arrábida",
      "Madeira", "Açores",  "Porto",    "Estoril",   "Troia",   "Caminha",  "Esposende", "Óbidos"};
  return s;
}

const std::vector<const char*>& first_names() {
  static const std::vector<const char*> n = {
      "João",   "José",    "António", "Manuel",  "Francisco", "Carlos",  "Paulo",    "Pedro",  "Rui",
      "Luís",   "Miguel",  "Jorge",   "Nuno",    "Ricardo",   "Tiago",   "Bruno",    "André",  "Fernando",
      "Sérgio", "Hugo",    "Maria",   "Ana",     "Sofia",     "Marta",   "Catarina", "Inês",   "Joana",
      "Sandra", "Paula",   "Cristina", "Patrícia", "Rita",     "Carla",   "Helena",   "Teresa", "Susana",
      "Diana",  "Beatriz", "Mariana", "Vera"};
  return n;
}

const std::vector<const char*>& surnames() {
  static const std::vector<const char*> n = {
      "Silva",    "Santos",   "Ferreira", "Pereira",  "Oliveira", "Costa",    "Rodrigues", "Martins",
      "Jesus",    "Sousa",    "Fernandes", "Gonçalves", "Gomes",  "Lopes",    "Marques",   "Alves",
      "Almeida",  "Ribeiro",  "Pinto",    "Carvalho", "Teixeira", "Moreira",  "Correia",   "Mendes",
      "Nunes",    "Soares",   "Vieira",   "Monteiro", "Cardoso",  "Rocha",    "Raposo",    "Neves",
      "Coelho",   "Cruz",     "Cunha",    "Pires",    "Ramos",    "Reis",     "Simões",    "Antunes",
      "Matos",    "Fonseca",  "Machado",  "Araújo",   "Barbosa",  "Tavares",  "Lourenço",  "Castro"};
  return n;
}

}  // namespace pp::demo
