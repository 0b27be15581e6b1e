#include "services/ipvsd/reconciler.h"

namespace lvs::ipvs {

std::vector<Operation> Reconciler::Diff(const Table& desired, const Table& actual,
                                        const std::set<ServiceKey>& owned) {
  using Kind = Operation::Kind;
  std::vector<Operation> add_svc, edit_svc, put_dest, del_dest, del_svc;
  for (const auto& [key, want] : desired) {
    auto have = actual.find(key);
    if (have == actual.end()) {
      add_svc.push_back({Kind::kAddService, want.spec, {}});
      for (const auto& [dk, d] : want.dests) put_dest.push_back({Kind::kAddDest, want.spec, d.spec});
      continue;
    }
    if (!want.spec.SameSettings(have->second.spec))
      edit_svc.push_back({Kind::kEditService, want.spec, {}});
    for (const auto& [dk, d] : want.dests) {
      auto hd = have->second.dests.find(dk);
      if (hd == have->second.dests.end()) {
        put_dest.push_back({Kind::kAddDest, want.spec, d.spec});
      } else if (!d.spec.SameSettings(hd->second.spec)) {
        put_dest.push_back({Kind::kEditDest, want.spec, d.spec});
      }
    }
    for (const auto& [dk, d] : have->second.dests)
      if (!want.dests.count(dk)) del_dest.push_back({Kind::kDelDest, want.spec, d.spec});
  }
  for (const auto& [key, have] : actual)
    if (!desired.count(key) && owned.count(key))
      del_svc.push_back({Kind::kDelService, have.spec, {}});

  std::vector<Operation> ops;
  ops.reserve(add_svc.size() + edit_svc.size() + put_dest.size() + del_dest.size() +
              del_svc.size());
  for (auto* part : {&add_svc, &edit_svc, &put_dest, &del_dest, &del_svc})
    for (Operation& op : *part) ops.push_back(std::move(op));
  return ops;
}

std::set<ServiceKey> Reconciler::KeysOf(const Table& table) {
  std::set<ServiceKey> keys;
  for (const auto& [k, v] : table) keys.insert(k);
  return keys;
}

}  // namespace lvs::ipvs
