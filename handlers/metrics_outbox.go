package handlers

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"portal/store"
)

// outboxCollector reports the email backlog at each scrape, from one
// read of the outbox: how many messages wait to be emailed, and how long the
// oldest of them has waited.
type outboxCollector struct {
	db              *store.DB
	backlog, oldest *prometheus.Desc
}

// RegisterOutbox adds the email outbox's series; serve calls it when email
// is configured (-smtp-addr), since without it nothing drains the outbox.
func (m *Metrics) RegisterOutbox(db *store.DB) {
	m.Register(outboxCollector{db: db,
		backlog: prometheus.NewDesc("portal_outbox_backlog_messages",
			"Messages waiting to be emailed (including those waiting to retry).", nil, nil),
		oldest: prometheus.NewDesc("portal_outbox_oldest_message_age_seconds",
			"How long the oldest message waiting to be emailed has waited; 0 when none waits.", nil, nil),
	})
}

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.backlog; ch <- c.oldest }

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := c.db.Outbox(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.backlog, err)
		return
	}
	age := 0.0
	if !s.Oldest.IsZero() {
		age = max(c.db.Now().Sub(s.Oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.backlog, prometheus.GaugeValue, float64(s.Pending))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
}
