package controllerinstallation

import (
	"encoding/base64"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func jwt(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(payload)) + ".signature"
}

func TestParseTokenAndRefresh(t *testing.T) {
	g := NewWithT(t)
	claims, err := parseToken(jwt(`{"iat":1000,"exp":11000,"kubernetes.io":{"serviceaccount":{"name":"sa","uid":"u-1"}}}`) + "\n")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(claims.issued).To(Equal(time.Unix(1000, 0)))
	g.Expect(claims.expires).To(Equal(time.Unix(11000, 0)))
	g.Expect(claims.serviceAccountUID).To(Equal("u-1"))
	g.Expect(refreshAt(claims.issued, claims.expires)).To(Equal(time.Unix(9000, 0)), "after four fifths of the lifetime")

	for name, token := range map[string]string{
		"not a JWT":  "fake-token",
		"no expiry":  jwt(`{"iat":1000}`),
		"bad claims": "a.!!!.c",
	} {
		_, err := parseToken(token)
		g.Expect(err).To(HaveOccurred(), name)
	}

	// A far expiry does not overflow into the past.
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g.Expect(refreshAt(now, time.Date(6041, 1, 1, 0, 0, 0, 0, time.UTC)).After(now)).To(BeTrue())
}
