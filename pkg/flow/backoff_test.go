package flow

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestBackoffNext(t *testing.T) {
	for _, tc := range []struct {
		name    string
		backoff Backoff
		wait    time.Duration
		want    time.Duration
	}{
		{name: "doubles", backoff: Backoff{Initial: time.Second, Max: time.Minute}, wait: 2 * time.Second, want: 4 * time.Second},
		{name: "reaches the cap", backoff: Backoff{Initial: time.Second, Max: 4 * time.Second}, wait: 2 * time.Second, want: 4 * time.Second},
		{name: "stops at the cap", backoff: Backoff{Initial: time.Second, Max: 5 * time.Second}, wait: 3 * time.Second, want: 5 * time.Second},
		{name: "stays at the cap", backoff: Backoff{Initial: time.Second, Max: 4 * time.Second}, wait: 4 * time.Second, want: 4 * time.Second},
		{name: "no cap", backoff: Backoff{Initial: time.Second}, wait: time.Hour, want: 2 * time.Hour},
		{name: "does not overflow", backoff: Backoff{Initial: time.Second}, wait: 1<<63 - 1, want: 1<<63 - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			NewWithT(t).Expect(tc.backoff.next(tc.wait)).To(Equal(tc.want))
		})
	}
}
