#include "services/ipvsd/reconciler.h"

namespace lvs::ipvs {
namespace {

using Kind = Operation::Kind;

// The five groups, concatenated in this order at the end.
struct Plan {
  std::vector<Operation> add_svc, edit_svc, put_dest, del_dest, del_svc;

  std::vector<Operation> Ordered() && {
    std::vector<Operation> ops;
    ops.reserve(add_svc.size() + edit_svc.size() + put_dest.size() + del_dest.size() +
                del_svc.size());
    for (auto* part : {&add_svc, &edit_svc, &put_dest, &del_dest, &del_svc})
      for (Operation& op : *part) ops.push_back(std::move(op));
    return ops;
  }

  // One service: want and have may each be null (absent).
  void Service(const ServiceKey& key, const lvs::ipvs::Service* want,
               const lvs::ipvs::Service* have, bool owned) {
    if (!want) {
      if (have && owned) del_svc.push_back({Kind::kDelService, have->spec, {}});
      return;
    }
    if (!have) {
      add_svc.push_back({Kind::kAddService, want->spec, {}});
      for (const auto& [dk, d] : want->dests)
        put_dest.push_back({Kind::kAddDest, want->spec, d.spec});
      return;
    }
    if (!want->spec.SameSettings(have->spec))
      edit_svc.push_back({Kind::kEditService, want->spec, {}});
    for (const auto& [dk, d] : want->dests) {
      auto hd = have->dests.find(dk);
      if (hd == have->dests.end()) {
        put_dest.push_back({Kind::kAddDest, want->spec, d.spec});
      } else if (!d.spec.SameSettings(hd->second.spec)) {
        put_dest.push_back({Kind::kEditDest, want->spec, d.spec});
      }
    }
    for (const auto& [dk, d] : have->dests)
      if (!want->dests.count(dk)) del_dest.push_back({Kind::kDelDest, want->spec, d.spec});
  }
};

const Service* Find(const Table& t, const ServiceKey& k) {
  auto it = t.find(k);
  return it == t.end() ? nullptr : &it->second;
}

}  // namespace

std::vector<Operation> Reconciler::Diff(const Table& desired, const Table& actual,
                                        const std::set<ServiceKey>& owned) {
  Plan plan;
  for (const auto& [key, want] : desired) plan.Service(key, &want, Find(actual, key), true);
  for (const auto& [key, have] : actual)
    if (!desired.count(key)) plan.Service(key, nullptr, &have, owned.count(key) > 0);
  return std::move(plan).Ordered();
}

std::vector<Operation> Reconciler::DiffServices(const Table& desired, const Table& actual,
                                                const std::set<ServiceKey>& owned,
                                                const std::set<ServiceKey>& keys) {
  Plan plan;
  for (const ServiceKey& key : keys)
    plan.Service(key, Find(desired, key), Find(actual, key), owned.count(key) > 0);
  return std::move(plan).Ordered();
}

void Reconciler::Record(Table& table, const std::vector<Operation>& ops,
                        const std::vector<absl::Status>& results) {
  for (size_t i = 0; i < ops.size() && i < results.size(); ++i) {
    if (!results[i].ok()) continue;
    const Operation& op = ops[i];
    switch (op.kind) {
      case Kind::kAddService:
      case Kind::kEditService: table[op.service.key].spec = op.service; break;
      case Kind::kDelService: table.erase(op.service.key); break;
      case Kind::kAddDest:
      case Kind::kEditDest: table[op.service.key].dests[op.dest.key].spec = op.dest; break;
      case Kind::kDelDest:
        if (auto it = table.find(op.service.key); it != table.end())
          it->second.dests.erase(op.dest.key);
        break;
    }
  }
}

std::set<ServiceKey> Reconciler::KeysOf(const Table& table) {
  std::set<ServiceKey> keys;
  for (const auto& [k, v] : table) keys.insert(k);
  return keys;
}

}  // namespace lvs::ipvs
