"""Prometheus metrics of one relayer instance (its own registry, so tests can run several).

``quiltkit_relayer_intents`` is read from the store at scrape time, so it is the same on every
instance sharing a database; the other series count what this instance did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["Metrics"]

_LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 300, 600)


class _StateCollector(Collector):
    def __init__(self, counts: Callable[[], dict[str, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("quiltkit_relayer_intents", "Intents in the store, by state.", labels=["state"])
        try:
            counts = self._counts()
        except Exception:  # a scrape must not fail because the store is briefly unavailable
            counts = {}
        for state, n in counts.items():
            family.add_metric([state], n)
        yield family


class Metrics:
    def __init__(self, counts: Callable[[], dict[str, int]] | None = None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        if counts is not None:
            r.register(_StateCollector(counts))
        self.accepted = Counter("quiltkit_relayer_intents_accepted", "Intents accepted.", ["source"], registry=r)
        self.rejected = Counter(
            "quiltkit_relayer_intents_rejected", "Intents refused at intake.", ["reason"], registry=r
        )
        self.webhooks = Counter(
            "quiltkit_relayer_webhook_deliveries",
            "GitHub webhook deliveries answered, by outcome (reason is empty for an accepted one).",
            ["accepted", "reason"],
            registry=r,
        )
        self.finished = Counter(
            "quiltkit_relayer_intents_finished", "Intents that reached an end state.", ["state"], registry=r
        )
        self.latency = Histogram(
            "quiltkit_relayer_submission_latency_seconds",
            "From acceptance to confirmation.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.gas_used = Counter("quiltkit_relayer_gas_used", "Gas used by this instance's transactions.", registry=r)
        self.fees_paid = Counter("quiltkit_relayer_fees_paid_wei", "Fees paid (gas used x price), wei.", registry=r)
        self.balance = Gauge(
            "quiltkit_relayer_signer_balance_wei", "Balance of the signer key.", ["signer"], registry=r
        )
        self.retries = Counter("quiltkit_relayer_retries", "Retries, by stage.", ["stage"], registry=r)
        self.transactions = Counter(
            "quiltkit_relayer_transactions", "Transactions signed, by kind.", ["kind"], registry=r
        )
        self.bumps = Counter("quiltkit_relayer_fee_bumps", "Stuck transactions replaced with a higher fee.", registry=r)
        self.rebroadcasts = Counter(
            "quiltkit_relayer_rebroadcasts", "Transactions sent again after they vanished.", registry=r
        )
        self.batch_size = Histogram(
            "quiltkit_relayer_batch_size",
            "Intents per transaction.",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200),
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
