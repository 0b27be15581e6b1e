// Times ipvsd's way of programming the kernel IPVS table (reconciler diff + batched
// generic netlink) on a synthetic table of N services x R reals, and writes the same
// table as `ipvsadm -R` input so the run script can time the baseline in the same VM.
//
//   ipvs_apply_bench --services N --reals R --restore-file FILE   (kernel table empty)
//
// Prints one "key=value" line per measurement.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/ipvsd/ipvs_netlink.h"
#include "services/ipvsd/reconciler.h"

namespace lvs::ipvs {
namespace {

net::IpAddress V4(uint32_t host_order) {
  return net::IpAddress::V4(host_order >> 24, host_order >> 16, host_order >> 8, host_order);
}

// Services 10.0.0.0/8 port 80, reals 172.16.0.0/12 port 8080, NAT, weights 1..R.
Table Synthetic(uint32_t services, uint32_t reals) {
  Table t;
  for (uint32_t i = 0; i < services; ++i) {
    Service s;
    s.spec.key = ServiceKey{AF_INET, IPPROTO_TCP, V4(0x0a000001 + i), 80, 0};
    s.spec.scheduler = "wlc";
    for (uint32_t r = 0; r < reals; ++r) {
      Dest d;
      d.spec.key = DestKey{V4(0xac100001 + i * reals + r), 8080};
      d.spec.forwarding = Forwarding::kNat;
      d.spec.weight = static_cast<int32_t>(r + 1);
      s.dests[d.spec.key] = d;
    }
    t[s.spec.key] = std::move(s);
  }
  return t;
}

void WriteRestore(const Table& t, const std::string& path) {
  std::ofstream out(path);
  for (const auto& [k, s] : t) {
    out << "-A -t " << net::HostPort(k.addr, k.port) << " -s " << s.spec.scheduler << "\n";
    for (const auto& [dk, d] : s.dests)
      out << "-a -t " << net::HostPort(k.addr, k.port) << " -r " << dk.ToString() << " -m -w "
          << d.spec.weight << "\n";
  }
}

double Ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since)
      .count();
}

size_t CountEntries(const Table& t) {
  size_t n = t.size();
  for (const auto& [k, s] : t) n += s.dests.size();
  return n;
}

int Run(uint32_t services, uint32_t reals, const std::string& restore_file) {
  auto kernel = IpvsNetlink::Create();
  if (!kernel.ok()) {
    std::fprintf(stderr, "%s\n", std::string(kernel.status().message()).c_str());
    return 1;
  }
  IpvsNetlink& k = **kernel;
  const Table desired = Synthetic(services, reals);
  WriteRestore(desired, restore_file);
  const auto owned = Reconciler::KeysOf(desired);

  // From empty: dump (what ipvsd does on start), diff, apply.
  auto t0 = std::chrono::steady_clock::now();
  uint64_t calls0 = k.sendmsg_calls();
  auto actual = k.Dump();
  if (!actual.ok() || !actual->empty()) {
    std::fprintf(stderr, "the kernel table must start empty\n");
    return 1;
  }
  auto ops = Reconciler::Diff(desired, *actual, owned);
  auto results = k.Apply(ops);
  const double apply_ms = Ms(t0);
  for (const absl::Status& s : results)
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
      return 1;
    }
  std::printf("from_empty services=%u reals=%u ops=%zu ms=%.1f sendmsg=%llu\n", services,
              services * reals, ops.size(), apply_ms,
              static_cast<unsigned long long>(k.sendmsg_calls() - calls0));

  // The full dump a resync does, and a check that the kernel holds the table.
  t0 = std::chrono::steady_clock::now();
  auto dumped = k.Dump();
  const double dump_ms = Ms(t0);
  if (!dumped.ok() || CountEntries(*dumped) != CountEntries(desired) ||
      !Reconciler::Diff(desired, *dumped, owned).empty()) {
    std::fprintf(stderr, "after apply the kernel table differs from the desired one\n");
    return 1;
  }
  std::printf("full_dump services=%u entries=%zu ms=%.1f\n", services, CountEntries(*dumped),
              dump_ms);

  // One real changes (a health event): diff against the table ipvsd already knows,
  // apply. This is the path a check result takes, so it must not grow with N.
  Table changed = desired;
  auto& victim = changed.begin()->second.dests.begin()->second;
  victim.spec.weight = 0;
  const std::set<ServiceKey> touched = {changed.begin()->first};
  t0 = std::chrono::steady_clock::now();
  calls0 = k.sendmsg_calls();
  ops = Reconciler::DiffServices(changed, *dumped, owned, touched);
  results = k.Apply(ops);
  const double change_ms = Ms(t0);
  if (ops.size() != 1 || !results[0].ok()) {
    std::fprintf(stderr, "a one-real change took %zu operations\n", ops.size());
    return 1;
  }
  std::printf("one_change services=%u ops=%zu ms=%.3f sendmsg=%llu\n", services, ops.size(),
              change_ms, static_cast<unsigned long long>(k.sendmsg_calls() - calls0));
  return 0;
}

}  // namespace
}  // namespace lvs::ipvs

int main(int argc, char** argv) {
  uint32_t services = 1000, reals = 4;
  std::string restore = "/tmp/ipvs-restore.txt";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    bool ok = true;
    if (flag == "--services")
      ok = absl::SimpleAtoi(argv[i + 1], &services);
    else if (flag == "--reals")
      ok = absl::SimpleAtoi(argv[i + 1], &reals);
    else if (flag == "--restore-file")
      restore = argv[i + 1];
    else
      ok = false;
    if (!ok) {
      std::fprintf(stderr, "usage: %s --services N --reals R --restore-file FILE\n", argv[0]);
      return 2;
    }
  }
  return lvs::ipvs::Run(services, reals, restore);
}
