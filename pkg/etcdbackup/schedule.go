package etcdbackup

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultSchedule is the full-snapshot schedule when none is given, and what
// ScheduleFromMaintenance falls back to: daily at midnight UTC.
const DefaultSchedule = "0 0 * * *"

// maxZoneOffset is the largest UTC offset of any time zone, with some margin.
const maxZoneOffset = 14 * time.Hour

// ParseSchedule parses a schedule of full snapshots: a standard five-field cron spec
// (minute hour day-of-month month day-of-week) or a descriptor such as @daily or
// @every 6h. Specs are evaluated in UTC unless they start with CRON_TZ=<zone>.
func ParseSchedule(spec string) (cron.Schedule, error) {
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w: want a cron spec such as %q (minute hour day-of-month month day-of-week, in UTC) or a descriptor such as @every 6h", spec, err, DefaultSchedule)
	}
	return s, nil
}

// ScheduleFromMaintenance returns the daily full-snapshot schedule of a shoot as a cron
// spec "M H * * *" in UTC: the begin of its maintenance window, as Gardener derives it, so
// that a snapshot precedes the work of the window. begin has Gardener's format HHMMSS+ZZZZ,
// e.g. "220000+0100" gives "0 21 * * *"; seconds are dropped. An empty or invalid begin
// gives DefaultSchedule.
func ScheduleFromMaintenance(begin string) string {
	t, err := time.Parse("150405-0700", begin)
	if err != nil {
		return DefaultSchedule
	}
	if _, offset := t.Zone(); time.Duration(offset)*time.Second > maxZoneOffset || time.Duration(-offset)*time.Second > maxZoneOffset {
		return DefaultSchedule
	}
	t = t.UTC()
	return fmt.Sprintf("%d %d * * *", t.Minute(), t.Hour())
}
