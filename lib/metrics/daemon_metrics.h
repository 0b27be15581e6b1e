// Each daemon's Prometheus metrics, rendered from the same messages its gRPC
// status calls return, so /metrics and `lvsctl show` never disagree.
#pragma once

#include "lib/runtime/metrics_text.h"
#include "lvs/v1/check.pb.h"
#include "lvs/v1/ipvs.pb.h"
#include "lvs/v1/vrrp.pb.h"

namespace lvs::metrics {

void RenderVrrp(const lvs::v1::VrrpStatus& status, runtime::MetricsText& out);
void RenderIpvs(const lvs::v1::ListServicesResponse& table, runtime::MetricsText& out);
void RenderChecks(const lvs::v1::ListChecksResponse& checks, runtime::MetricsText& out);

}  // namespace lvs::metrics
