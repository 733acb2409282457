package validation_test

import (
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	"github.com/onsi/gomega/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// fieldError matches a *field.Error of the given type at the given path.
func fieldError(errorType field.ErrorType, path string) types.GomegaMatcher {
	return PointTo(MatchFields(IgnoreExtras, Fields{
		"Type":  Equal(errorType),
		"Field": Equal(path),
	}))
}

func required(path string) types.GomegaMatcher  { return fieldError(field.ErrorTypeRequired, path) }
func invalid(path string) types.GomegaMatcher   { return fieldError(field.ErrorTypeInvalid, path) }
func duplicate(path string) types.GomegaMatcher { return fieldError(field.ErrorTypeDuplicate, path) }
func forbidden(path string) types.GomegaMatcher { return fieldError(field.ErrorTypeForbidden, path) }
func notSupported(path string) types.GomegaMatcher {
	return fieldError(field.ErrorTypeNotSupported, path)
}
func notFound(path string) types.GomegaMatcher { return fieldError(field.ErrorTypeNotFound, path) }
func tooLong(path string) types.GomegaMatcher  { return fieldError(field.ErrorTypeTooLong, path) }
func tooMany(path string) types.GomegaMatcher  { return fieldError(field.ErrorTypeTooMany, path) }

// invalidWithDetail matches an Invalid error at path whose detail contains substring.
func invalidWithDetail(path, substring string) types.GomegaMatcher {
	return PointTo(MatchFields(IgnoreExtras, Fields{
		"Type":   Equal(field.ErrorTypeInvalid),
		"Field":  Equal(path),
		"Detail": ContainSubstring(substring),
	}))
}

// consistOfErrors matches an error list that has exactly the expected errors, in any order; no expectations
// means no errors.
func consistOfErrors(expected []types.GomegaMatcher) types.GomegaMatcher {
	if len(expected) == 0 {
		return BeEmpty()
	}
	return ConsistOf(expected)
}

// errs builds the expectation list of a table case.
func errs(matchers ...types.GomegaMatcher) []types.GomegaMatcher { return matchers }
