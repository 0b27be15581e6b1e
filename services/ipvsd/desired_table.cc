#include "services/ipvsd/desired_table.h"

namespace lvs::ipvs {
namespace {

OverrideEntry OverrideFor(const OverrideMap& overrides, const ServiceKey& svc,
                          const DestKey& real) {
  if (auto it = overrides.find(OverrideKey{svc, real});
      it != overrides.end() && it->second.kind != OverrideKind::kDefault)
    return it->second;
  if (auto it = overrides.find(OverrideKey{svc, std::nullopt}); it != overrides.end())
    return it->second;
  return {};
}

const Dest* ActualDest(const Table& actual, const ServiceKey& svc, const DestKey& real) {
  auto s = actual.find(svc);
  if (s == actual.end()) return nullptr;
  auto d = s->second.dests.find(real);
  return d == s->second.dests.end() ? nullptr : &d->second;
}

// A drain keeps the real at weight 0 while connections remain and the timeout has
// not passed; after that the real leaves the table, and stays out.
bool DrainStillRunning(const OverrideEntry& o, const Dest* actual, absl::Time now) {
  if (!actual) return false;
  if (actual->active_conns + actual->inactive_conns == 0) return false;
  if (o.drain_timeout > absl::ZeroDuration() && now >= o.since + o.drain_timeout) return false;
  return true;
}

Dest MakeDest(const DestSpec& spec) {
  Dest d;
  d.spec = spec;
  return d;
}

// A real's own verdict, from its health and the operators' overrides.
struct Verdict {
  const RealConfig* rc;
  bool in;          // serving: in the table with its weight
  bool draining;    // in the table at weight 0
  bool forced_out;  // disabled or drained by an operator: inhibit_on_failure does not apply
  int32_t weight;
};

Verdict RealVerdict(const DesiredInputs& in, const ServiceKey& key, const RealConfig& rc,
                    RealStatus& rs) {
  bool up;
  int32_t weight = rc.spec.weight;
  if (!rc.has_checkers) {
    up = true;
    rs.health = RealStatus::Health::kUp;
    rs.reason = "no checkers";
  } else if (auto h = in.health->find(rc.target_id); h != in.health->end()) {
    up = h->second.up;
    rs.health = up ? RealStatus::Health::kUp : RealStatus::Health::kDown;
    rs.reason = h->second.reason;
    if (h->second.weight >= 0) weight = h->second.weight;
  } else {
    up = !rc.alpha;
    rs.health = RealStatus::Health::kUnknown;
    rs.reason = rc.alpha ? "not checked yet (alpha: starts down)" : "not checked yet";
  }
  const OverrideEntry o = OverrideFor(*in.overrides, key, rc.spec.key);
  rs.override_kind = o.kind;
  Verdict v{&rc, up, false, false, weight};
  switch (o.kind) {
    case OverrideKind::kDefault: break;
    case OverrideKind::kEnable: v.in = true; break;
    case OverrideKind::kDisable:
      v.in = false;
      v.forced_out = true;
      break;
    case OverrideKind::kDrain:
      v.in = false;
      v.forced_out = true;
      v.draining = DrainStillRunning(o, ActualDest(*in.actual, key, rc.spec.key), in.now);
      break;
  }
  return v;
}

// Quorum with hysteresis, as keepalived: lost below quorum - hysteresis, regained at
// quorum + hysteresis.
bool QuorumUp(const DesiredInputs& in, const ServiceConfig& sc, uint64_t alive_weight) {
  const uint64_t lower = sc.quorum > sc.hysteresis ? sc.quorum - sc.hysteresis : 0;
  const uint64_t upper = uint64_t{sc.quorum} + sc.hysteresis;
  if (auto p = in.previous_quorum->find(sc.spec.key); p != in.previous_quorum->end()) {
    return p->second ? !(alive_weight == 0 || alive_weight < lower) : alive_weight >= upper;
  }
  return alive_weight >= sc.quorum && alive_weight > 0;
}

// The real in the service's desired entries, at its weight or at 0, or left out.
void PlaceReal(const DesiredInputs& in, const ServiceKey& key, const Verdict& v, bool sorry_active,
               RealStatus& rs, Service& svc) {
  DestSpec d = v.rc->spec;
  const bool serving = v.in && !sorry_active;
  const std::string* suspect = nullptr;
  if (in.passive) {
    if (auto p = in.passive->find({key, d.key}); p != in.passive->end()) suspect = &p->second;
  }
  if (serving && suspect) {
    d.weight = 0;
    rs.passive_suspect = *suspect;
  } else if (serving) {
    d.weight = v.weight;
  } else if (v.draining || (v.rc->inhibit_on_failure && !v.forced_out)) {
    d.weight = 0;
  } else {
    return;
  }
  rs.wanted = true;
  rs.weight = d.weight;
  svc.dests[d.key] = MakeDest(d);
}

void AddService(const DesiredInputs& in, const ServiceConfig& sc, DesiredTable& out) {
  const ServiceKey& key = sc.spec.key;
  Service& svc = out.table[key];
  svc.spec = sc.spec;
  ServiceStatus& st = out.status[key];
  std::vector<Verdict> verdicts;
  for (const RealConfig& rc : sc.reals) {
    const Verdict v = RealVerdict(in, key, rc, st.reals[rc.spec.key]);
    verdicts.push_back(v);
    if (v.in) st.alive_weight += static_cast<uint64_t>(std::max(v.weight, 0));
  }
  st.quorum_up = QuorumUp(in, sc, st.alive_weight);
  // Without quorum the sorry server takes over the whole service.
  const bool sorry = !st.quorum_up && sc.sorry_server.has_value();
  st.sorry_server_active = sorry;
  for (const Verdict& v : verdicts) PlaceReal(in, key, v, sorry, st.reals[v.rc->spec.key], svc);
  if (sc.sorry_server) {
    DestSpec d = *sc.sorry_server;
    if (sorry) {
      svc.dests[d.key] = MakeDest(d);
    } else if (sc.sorry_server_inhibit) {
      d.weight = 0;
      svc.dests[d.key] = MakeDest(d);
    }
  }
}

}  // namespace

DesiredTable BuildDesiredTable(const DesiredInputs& in) {
  DesiredTable out;
  for (const ServiceConfig& sc : *in.services) {
    if (in.only && !in.only->count(sc.spec.key)) continue;
    AddService(in, sc, out);
  }
  return out;
}

}  // namespace lvs::ipvs
