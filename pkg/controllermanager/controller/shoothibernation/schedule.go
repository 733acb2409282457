package shoothibernation

import (
	"fmt"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/robfig/cron/v3"
	"k8s.io/utils/ptr"
)

// Event is one point in time at which a hibernation schedule hibernates (Start) or wakes
// up (End) a Shoot.
type Event struct {
	// Time is when the event happens, in the schedule's location.
	Time time.Time
	// Hibernate is true for a Start, false for an End.
	Hibernate bool
	// Index is the position of the schedule in spec.hibernation.schedules.
	Index int
	// Cron is the cron spec (Start or End) the event comes from.
	Cron string
	// Location is the name of the schedule's time zone.
	Location string
}

// Describe names the schedule of the event, for events and logs.
func (e Event) Describe() string {
	which := "end"
	if e.Hibernate {
		which = "start"
	}
	return fmt.Sprintf("schedule %d %s %q in %s at %s", e.Index, which, e.Cron, e.Location, e.Time.Format(time.RFC3339))
}

// Schedule is a parsed hibernation schedule.
type Schedule struct {
	// Index is the position of the schedule in spec.hibernation.schedules.
	Index int
	// Start and End are nil when the schedule has no such spec.
	Start, End cron.Schedule
	// StartSpec and EndSpec are the cron specs as written.
	StartSpec, EndSpec string
	// Location is the time zone the specs are evaluated in; UTC when unset.
	Location *time.Location
}

// ParseSchedules parses the hibernation schedules of a Shoot: Start and End are standard
// five-field cron specs, Location an IANA time zone name (default UTC).
func ParseSchedules(schedules []gardencorev1beta1.HibernationSchedule) ([]Schedule, error) {
	out := make([]Schedule, 0, len(schedules))
	for i, s := range schedules {
		parsed := Schedule{Index: i, Location: time.UTC}
		if name := ptr.Deref(s.Location, ""); name != "" {
			loc, err := time.LoadLocation(name)
			if err != nil {
				return nil, fmt.Errorf("schedule %d: invalid location %q: %w", i, name, err)
			}
			parsed.Location = loc
		}
		var err error
		if parsed.Start, parsed.StartSpec, err = parseCron(s.Start); err != nil {
			return nil, fmt.Errorf("schedule %d: invalid start: %w", i, err)
		}
		if parsed.End, parsed.EndSpec, err = parseCron(s.End); err != nil {
			return nil, fmt.Errorf("schedule %d: invalid end: %w", i, err)
		}
		if parsed.Start == nil && parsed.End == nil {
			return nil, fmt.Errorf("schedule %d: neither start nor end is set", i)
		}
		out = append(out, parsed)
	}
	return out, nil
}

func parseCron(spec *string) (cron.Schedule, string, error) {
	if spec == nil || *spec == "" {
		return nil, "", nil
	}
	// cron.ParseStandard would also accept CRON_TZ= prefixes and descriptors such as
	// @daily; the location belongs to the Location field, so only five fields are allowed.
	s, err := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow).Parse(*spec)
	if err != nil {
		return nil, "", err
	}
	return s, *spec, nil
}

// cronSpec is one cron spec of a schedule, with the kind of event it triggers.
type cronSpec struct {
	sched     cron.Schedule
	spec      string
	hibernate bool
}

// specs lists the cron specs of s: Start, then End.
func (s Schedule) specs() []cronSpec {
	var out []cronSpec
	if s.Start != nil {
		out = append(out, cronSpec{s.Start, s.StartSpec, true})
	}
	if s.End != nil {
		out = append(out, cronSpec{s.End, s.EndSpec, false})
	}
	return out
}

// lookbacks are the windows searched, one after the other, for the most recent event of a
// cron spec. Every five-field spec that fires at all fires within eight years (a
// February 29th on a given weekday, at the worst).
var lookbacks = []time.Duration{
	time.Hour,
	25 * time.Hour,
	8 * 24 * time.Hour,
	32 * 24 * time.Hour,
	367 * 24 * time.Hour,
	(4*366 + 1) * 24 * time.Hour,
	(8*366 + 1) * 24 * time.Hour,
	(29*366 + 1) * 24 * time.Hour,
}

// previous returns the latest activation of sched at or before now, and false if there
// is none within the lookbacks.
func previous(sched cron.Schedule, now time.Time) (time.Time, bool) {
	for _, lookback := range lookbacks {
		var last time.Time
		// Next is strictly after its argument: start just before the window.
		for t := sched.Next(now.Add(-lookback)); !t.IsZero() && !t.After(now); t = sched.Next(t) {
			last = t
		}
		if !last.IsZero() {
			return last, true
		}
	}
	return time.Time{}, false
}

// LastEvent returns the most recent event at or before now across all schedules, and
// false if there is none. When a start and an end happen at the same time, the end wins:
// a Shoot that is scheduled both ways stays awake.
func LastEvent(schedules []Schedule, now time.Time) (Event, bool) {
	var (
		best  Event
		found bool
	)
	for _, s := range schedules {
		for _, e := range s.specs() {
			t, ok := previous(e.sched, now.In(s.Location))
			if !ok {
				continue
			}
			if !found || t.After(best.Time) || (t.Equal(best.Time) && best.Hibernate && !e.hibernate) {
				best = Event{Time: t, Hibernate: e.hibernate, Index: s.Index, Cron: e.spec, Location: s.Location.String()}
				found = true
			}
		}
	}
	return best, found
}

// NextEvent returns the first event strictly after now across all schedules, and false if
// there is none. Ties are broken as in LastEvent.
func NextEvent(schedules []Schedule, now time.Time) (Event, bool) {
	var (
		best  Event
		found bool
	)
	for _, s := range schedules {
		for _, e := range s.specs() {
			t := e.sched.Next(now.In(s.Location))
			if t.IsZero() {
				continue
			}
			if !found || t.Before(best.Time) || (t.Equal(best.Time) && best.Hibernate && !e.hibernate) {
				best = Event{Time: t, Hibernate: e.hibernate, Index: s.Index, Cron: e.spec, Location: s.Location.String()}
				found = true
			}
		}
	}
	return best, found
}
