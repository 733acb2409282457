package etcdbackup_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/etcdbackup"
)

func TestScheduleFromMaintenance(t *testing.T) {
	tests := []struct {
		name  string
		begin string
		want  string
	}{
		{name: "UTC", begin: "220000+0000", want: "0 22 * * *"},
		{name: "east of UTC", begin: "220000+0100", want: "0 21 * * *"},
		{name: "west of UTC", begin: "220000-0100", want: "0 23 * * *"},
		{name: "next day in UTC", begin: "230000-0200", want: "0 1 * * *"},
		{name: "previous day in UTC", begin: "010000+0200", want: "0 23 * * *"},
		{name: "half-hour offset", begin: "220000+0530", want: "30 16 * * *"},
		{name: "quarter-hour offset", begin: "031500+0545", want: "30 21 * * *"},
		{name: "seconds dropped", begin: "221559+0000", want: "15 22 * * *"},
		{name: "midnight", begin: "000000+0000", want: "0 0 * * *"},
		{name: "largest offset", begin: "120000+1400", want: "0 22 * * *"},
		{name: "empty", begin: "", want: etcdbackup.DefaultSchedule},
		{name: "no offset", begin: "220000", want: etcdbackup.DefaultSchedule},
		{name: "hour out of range", begin: "250000+0000", want: etcdbackup.DefaultSchedule},
		{name: "minute out of range", begin: "226000+0000", want: etcdbackup.DefaultSchedule},
		{name: "offset out of range", begin: "220000+1500", want: etcdbackup.DefaultSchedule},
		{name: "RFC 3339", begin: "22:00:00+01:00", want: etcdbackup.DefaultSchedule},
		{name: "garbage", begin: "tonight", want: etcdbackup.DefaultSchedule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			got := etcdbackup.ScheduleFromMaintenance(tt.begin)
			g.Expect(got).To(Equal(tt.want))
			_, err := etcdbackup.ParseSchedule(got)
			g.Expect(err).NotTo(HaveOccurred())
		})
	}
}

func TestParseSchedule(t *testing.T) {
	from := time.Date(2026, 11, 29, 2, 41, 5, 0, time.UTC)
	tests := []struct {
		spec    string
		want    time.Time
		wantErr string
	}{
		{spec: etcdbackup.DefaultSchedule, want: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)},
		{spec: "0 21 * * *", want: time.Date(2026, 11, 29, 21, 0, 0, 0, time.UTC)},
		{spec: "@every 1h", want: time.Date(2026, 11, 29, 3, 41, 5, 0, time.UTC)},
		{spec: "@daily", want: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)},
		{spec: "0 0 * *", wantErr: `schedule "0 0 * *"`},
		{spec: "every day", wantErr: "minute hour day-of-month month day-of-week"},
		{spec: "", wantErr: "want a cron spec"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			g := NewWithT(t)
			s, err := etcdbackup.ParseSchedule(tt.spec)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(s.Next(from)).To(Equal(tt.want))
		})
	}
}
