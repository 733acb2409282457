package shootpki

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/apis/apiserver"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	"k8s.io/apiserver/pkg/apis/apiserver/validation"
	"sigs.k8s.io/yaml"
)

// encryptionKeySize is the size of the aescbc key in bytes (AES-256).
const encryptionKeySize = 32

// encryptionCodecs decode an EncryptionConfiguration the way the kube-apiserver does.
var encryptionCodecs = func() serializer.CodecFactory {
	scheme := runtime.NewScheme()
	utilruntime.Must(apiserver.AddToScheme(scheme))
	utilruntime.Must(apiserverv1.AddToScheme(scheme))
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict)
}()

// newEncryptionConfig returns an EncryptionConfiguration that encrypts secrets with
// aescbc and a new random key named after now, and reads unencrypted ones with identity.
func newEncryptionConfig(now time.Time) ([]byte, error) {
	key := make([]byte, encryptionKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generating encryption key: %w", err)
	}
	config := apiserverv1.EncryptionConfiguration{
		TypeMeta: metav1.TypeMeta{
			APIVersion: apiserverv1.SchemeGroupVersion.String(),
			Kind:       "EncryptionConfiguration",
		},
		Resources: []apiserverv1.ResourceConfiguration{{
			Resources: []string{"secrets"},
			Providers: []apiserverv1.ProviderConfiguration{
				{AESCBC: &apiserverv1.AESConfiguration{Keys: []apiserverv1.Key{{
					Name:   "key" + strconv.FormatInt(now.Unix(), 10),
					Secret: base64.StdEncoding.EncodeToString(key),
				}}}},
				{Identity: &apiserverv1.IdentityConfiguration{}},
			},
		}},
	}
	data, err := yaml.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("encoding encryption configuration: %w", err)
	}
	return data, nil
}

// validateEncryptionConfig checks that data is an EncryptionConfiguration that the
// kube-apiserver accepts and that configures secrets.
func validateEncryptionConfig(data []byte) error {
	if len(data) == 0 {
		return errors.New("empty encryption configuration")
	}
	obj, gvk, err := encryptionCodecs.UniversalDecoder().Decode(data, nil, nil)
	if err != nil {
		return fmt.Errorf("decoding encryption configuration: %w", err)
	}
	config, ok := obj.(*apiserver.EncryptionConfiguration)
	if !ok {
		return fmt.Errorf("got %v, want an EncryptionConfiguration", gvk)
	}
	if err := validation.ValidateEncryptionConfiguration(config, false).ToAggregate(); err != nil {
		return fmt.Errorf("invalid encryption configuration: %w", err)
	}
	for _, r := range config.Resources {
		if slices.Contains(r.Resources, "secrets") || slices.Contains(r.Resources, "*.") || slices.Contains(r.Resources, "*.*") {
			return nil
		}
	}
	return errors.New("encryption configuration does not cover secrets")
}
