package shootmaintenance

import (
	"fmt"
	"time"
)

// timeOfDayLayout is the layout of the begin and end of a maintenance time window:
// HHMMSS and a UTC offset, such as 220000+0100.
const timeOfDayLayout = "150405-0700"

// day is the length of a day; time windows repeat daily.
const day = 24 * time.Hour

// TimeWindow is a daily maintenance time window.
type TimeWindow struct {
	// begin is the start of the window as an offset from midnight UTC, in [0, 24h).
	begin time.Duration
	// length is how long the window lasts, in (0, 24h]. A window whose end equals its
	// begin lasts a whole day.
	length time.Duration
}

// ParseTimeWindow parses the begin and end of spec.maintenance.timeWindow. The window may
// cross midnight.
func ParseTimeWindow(begin, end string) (TimeWindow, error) {
	b, err := parseTimeOfDay(begin)
	if err != nil {
		return TimeWindow{}, fmt.Errorf("invalid begin %q: %w", begin, err)
	}
	e, err := parseTimeOfDay(end)
	if err != nil {
		return TimeWindow{}, fmt.Errorf("invalid end %q: %w", end, err)
	}
	length := (e - b + day) % day
	if length == 0 {
		length = day
	}
	return TimeWindow{begin: b, length: length}, nil
}

// parseTimeOfDay returns the time of day of value as an offset from midnight UTC.
func parseTimeOfDay(value string) (time.Duration, error) {
	t, err := time.Parse(timeOfDayLayout, value)
	if err != nil {
		return 0, err
	}
	t = t.UTC()
	offset := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	return offset, nil
}

// Current returns the window that contains now, as [begin, end), and true; or, when now is
// outside the window, the next window and false.
func (w TimeWindow) Current(now time.Time) (begin, end time.Time, inside bool) {
	now = now.UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	// The window that began yesterday may still last; the one of today may be over.
	for _, d := range []int{-1, 0, 1} {
		begin = midnight.AddDate(0, 0, d).Add(w.begin)
		end = begin.Add(w.length)
		if now.Before(end) {
			return begin, end, !now.Before(begin)
		}
	}
	// Unreachable: tomorrow's window always ends after now.
	return begin, end, false
}
