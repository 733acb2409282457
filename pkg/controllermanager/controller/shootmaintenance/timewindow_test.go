package shootmaintenance

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func mustTime(t *testing.T, value string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, value)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestTimeWindow(t *testing.T) {
	for _, tc := range []struct {
		name                string
		begin, end, now     string
		wantBegin, wantEnd  string
		wantInside, wantErr bool
	}{
		{
			name: "inside a window in UTC", begin: "220000+0000", end: "230000+0000", now: "2026-03-11T22:30:00Z",
			wantBegin: "2026-03-11T22:00:00Z", wantEnd: "2026-03-11T23:00:00Z", wantInside: true,
		},
		{
			name: "the begin is inside, the end outside", begin: "220000+0000", end: "230000+0000", now: "2026-03-11T23:00:00Z",
			wantBegin: "2026-03-12T22:00:00Z", wantEnd: "2026-03-12T23:00:00Z",
		},
		{
			name: "before the window: the window of today is next", begin: "220000+0000", end: "230000+0000", now: "2026-03-11T10:00:00Z",
			wantBegin: "2026-03-11T22:00:00Z", wantEnd: "2026-03-11T23:00:00Z",
		},
		{
			name: "exactly at the begin", begin: "220000+0000", end: "230000+0000", now: "2026-03-11T22:00:00Z",
			wantBegin: "2026-03-11T22:00:00Z", wantEnd: "2026-03-11T23:00:00Z", wantInside: true,
		},
		{
			name: "a window across midnight, after midnight", begin: "230000+0000", end: "010000+0000", now: "2026-03-12T00:30:00Z",
			wantBegin: "2026-03-11T23:00:00Z", wantEnd: "2026-03-12T01:00:00Z", wantInside: true,
		},
		{
			name: "a window across midnight, before midnight", begin: "230000+0000", end: "010000+0000", now: "2026-03-11T23:30:00Z",
			wantBegin: "2026-03-11T23:00:00Z", wantEnd: "2026-03-12T01:00:00Z", wantInside: true,
		},
		{
			name: "a window with an offset: 22:00-23:00 at UTC+2 is 20:00-21:00 UTC", begin: "220000+0200", end: "230000+0200", now: "2026-03-11T20:15:00Z",
			wantBegin: "2026-03-11T20:00:00Z", wantEnd: "2026-03-11T21:00:00Z", wantInside: true,
		},
		{
			name: "an offset that moves the window across midnight UTC", begin: "003000+0100", end: "013000+0100", now: "2026-03-11T23:45:00Z",
			wantBegin: "2026-03-11T23:30:00Z", wantEnd: "2026-03-12T00:30:00Z", wantInside: true,
		},
		{
			name: "begin and end in different offsets", begin: "220000+0100", end: "230000+0000", now: "2026-03-11T22:30:00Z",
			wantBegin: "2026-03-11T21:00:00Z", wantEnd: "2026-03-11T23:00:00Z", wantInside: true,
		},
		{name: "invalid begin", begin: "25000+0000", end: "230000+0000", wantErr: true},
		{name: "missing offset", begin: "220000", end: "230000+0000", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			w, err := ParseTimeWindow(tc.begin, tc.end)
			if tc.wantErr {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			begin, end, inside := w.Current(mustTime(t, tc.now))
			g.Expect(begin).To(BeTemporally("==", mustTime(t, tc.wantBegin)))
			g.Expect(end).To(BeTemporally("==", mustTime(t, tc.wantEnd)))
			g.Expect(inside).To(Equal(tc.wantInside))
		})
	}
}
