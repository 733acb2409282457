package shoothibernation

import (
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"
)

func schedule(start, end, location string) gardencorev1beta1.HibernationSchedule {
	s := gardencorev1beta1.HibernationSchedule{}
	if start != "" {
		s.Start = ptr.To(start)
	}
	if end != "" {
		s.End = ptr.To(end)
	}
	if location != "" {
		s.Location = ptr.To(location)
	}
	return s
}

func mustTime(t *testing.T, value string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, value)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestParseSchedules(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      gardencorev1beta1.HibernationSchedule
		wantErr string
	}{
		{name: "start and end", in: schedule("0 20 * * 1-5", "0 8 * * 1-5", "Europe/Berlin")},
		{name: "start only, default location", in: schedule("30 19 * * *", "", "")},
		{name: "end only", in: schedule("", "0 7 * * *", "UTC")},
		{name: "neither", in: schedule("", "", ""), wantErr: "neither start nor end"},
		{name: "bad location", in: schedule("0 20 * * *", "", "Mars/Olympus"), wantErr: "invalid location"},
		{name: "bad start", in: schedule("0 25 * * *", "", ""), wantErr: "invalid start"},
		{name: "six fields", in: schedule("0 0 20 * * *", "", ""), wantErr: "invalid start"},
		{name: "descriptor", in: schedule("", "@daily", ""), wantErr: "invalid end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := ParseSchedules([]gardencorev1beta1.HibernationSchedule{tc.in})
			if tc.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
		})
	}
}

func TestLastAndNextEvent(t *testing.T) {
	weekdays := schedule("0 20 * * 1-5", "0 8 * * 1-5", "")
	for _, tc := range []struct {
		name      string
		schedules []gardencorev1beta1.HibernationSchedule
		now       string
		// wantLast and wantNext are RFC 3339 times, "" for none, with the kind of event.
		wantLast, wantNext             string
		wantLastHibernate, wantNextHib bool
		wantLastIndex                  int
	}{
		{
			name: "weekday evening: hibernated since 20:00", schedules: []gardencorev1beta1.HibernationSchedule{weekdays},
			now:      "2026-03-11T22:00:00Z", // Wednesday
			wantLast: "2026-03-11T20:00:00Z", wantLastHibernate: true,
			wantNext: "2026-03-12T08:00:00Z", wantNextHib: false,
		},
		{
			name: "weekday noon: awake since 08:00", schedules: []gardencorev1beta1.HibernationSchedule{weekdays},
			now:      "2026-03-11T12:00:00Z",
			wantLast: "2026-03-11T08:00:00Z", wantLastHibernate: false,
			wantNext: "2026-03-11T20:00:00Z", wantNextHib: true,
		},
		{
			name: "an event exactly now is the last one, not the next", schedules: []gardencorev1beta1.HibernationSchedule{weekdays},
			now:      "2026-03-11T20:00:00Z",
			wantLast: "2026-03-11T20:00:00Z", wantLastHibernate: true,
			wantNext: "2026-03-12T08:00:00Z", wantNextHib: false,
		},
		{
			name: "weekend: the last event is Friday's start, the next Monday's end", schedules: []gardencorev1beta1.HibernationSchedule{weekdays},
			now:      "2026-03-14T12:00:00Z", // Saturday
			wantLast: "2026-03-13T20:00:00Z", wantLastHibernate: true,
			wantNext: "2026-03-16T08:00:00Z", wantNextHib: false,
		},
		{
			name:      "location Europe/Berlin (UTC+1 in winter)",
			schedules: []gardencorev1beta1.HibernationSchedule{schedule("0 20 * * *", "0 8 * * *", "Europe/Berlin")},
			now:       "2026-01-15T19:30:00Z", // 20:30 in Berlin
			wantLast:  "2026-01-15T19:00:00Z", wantLastHibernate: true,
			wantNext: "2026-01-16T07:00:00Z", wantNextHib: false,
		},
		{
			name:      "location America/New_York (UTC-5 in winter): crosses the UTC day",
			schedules: []gardencorev1beta1.HibernationSchedule{schedule("0 20 * * *", "0 8 * * *", "America/New_York")},
			now:       "2026-01-16T00:30:00Z", // 19:30 on the 15th in New York
			wantLast:  "2026-01-15T13:00:00Z", wantLastHibernate: false,
			wantNext: "2026-01-16T01:00:00Z", wantNextHib: true,
		},
		{
			name:      "location Asia/Kolkata (UTC+5:30)",
			schedules: []gardencorev1beta1.HibernationSchedule{schedule("0 0 * * *", "", "Asia/Kolkata")},
			now:       "2026-01-15T12:00:00Z",
			wantLast:  "2026-01-14T18:30:00Z", wantLastHibernate: true,
			wantNext: "2026-01-15T18:30:00Z", wantNextHib: true,
		},
		{
			name: "the latest event across schedules wins",
			schedules: []gardencorev1beta1.HibernationSchedule{
				schedule("0 20 * * *", "0 8 * * *", ""),
				schedule("0 12 * * *", "0 13 * * *", ""),
			},
			now:      "2026-03-11T12:30:00Z",
			wantLast: "2026-03-11T12:00:00Z", wantLastHibernate: true, wantLastIndex: 1,
			wantNext: "2026-03-11T13:00:00Z", wantNextHib: false,
		},
		{
			name: "a start and an end at the same time: the end wins",
			schedules: []gardencorev1beta1.HibernationSchedule{
				schedule("0 12 * * *", "", ""),
				schedule("", "0 12 * * *", ""),
			},
			now:      "2026-03-11T12:30:00Z",
			wantLast: "2026-03-11T12:00:00Z", wantLastHibernate: false, wantLastIndex: 1,
			wantNext: "2026-03-12T12:00:00Z", wantNextHib: false,
		},
		{
			name:      "a yearly schedule is found a year back",
			schedules: []gardencorev1beta1.HibernationSchedule{schedule("0 0 1 1 *", "", "")},
			now:       "2026-12-31T23:59:00Z",
			wantLast:  "2026-01-01T00:00:00Z", wantLastHibernate: true,
			wantNext: "2027-01-01T00:00:00Z", wantNextHib: true,
		},
		{
			name:      "February 29th is found almost four years back",
			schedules: []gardencorev1beta1.HibernationSchedule{schedule("", "0 6 29 2 *", "")},
			now:       "2027-12-31T00:00:00Z",
			wantLast:  "2024-02-29T06:00:00Z", wantLastHibernate: false,
			wantNext: "2028-02-29T06:00:00Z", wantNextHib: false,
		},
		{
			name:      "a spec that never fires has no events",
			schedules: []gardencorev1beta1.HibernationSchedule{schedule("0 0 30 2 *", "", "")},
			now:       "2026-03-11T12:00:00Z",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			schedules, err := ParseSchedules(tc.schedules)
			g.Expect(err).NotTo(HaveOccurred())
			now := mustTime(t, tc.now)

			last, ok := LastEvent(schedules, now)
			g.Expect(ok).To(Equal(tc.wantLast != ""), "last event")
			if ok {
				g.Expect(last.Time).To(BeTemporally("==", mustTime(t, tc.wantLast)))
				g.Expect(last.Hibernate).To(Equal(tc.wantLastHibernate))
				g.Expect(last.Index).To(Equal(tc.wantLastIndex))
			}
			next, ok := NextEvent(schedules, now)
			g.Expect(ok).To(Equal(tc.wantNext != ""), "next event")
			if ok {
				g.Expect(next.Time).To(BeTemporally("==", mustTime(t, tc.wantNext)))
				g.Expect(next.Hibernate).To(Equal(tc.wantNextHib))
			}
		})
	}
}
