package apiserver_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// gardenerDocs returns the Gardener objects of a manifest file as JSON maps, leaving out
// Kubernetes' own kinds such as Namespaces and Secrets.
func gardenerDocs(file string) []map[string]interface{} {
	GinkgoHelper()
	data, err := os.ReadFile(filepath.Join(compatDir, file))
	Expect(err).NotTo(HaveOccurred())
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var docs []map[string]interface{}
	for {
		var doc map[string]interface{}
		if err := dec.Decode(&doc); err != nil {
			break
		}
		if api, _ := doc["apiVersion"].(string); strings.Contains(api, "gardener.cloud") {
			docs = append(docs, writeOnlyFieldsStored(doc))
		}
	}
	Expect(docs).NotTo(BeEmpty(), file)
	return docs
}

// writeOnlyFieldsStored turns write-only fields into what the server stores: an
// InternalSecret's stringData is stored base64-encoded in data, as a Secret's is.
func writeOnlyFieldsStored(doc map[string]interface{}) map[string]interface{} {
	if sd, ok := doc["stringData"].(map[string]interface{}); ok {
		data, _ := doc["data"].(map[string]interface{})
		if data == nil {
			data = map[string]interface{}{}
		}
		for k, v := range sd {
			data[k] = base64.StdEncoding.EncodeToString([]byte(fmt.Sprint(v)))
		}
		doc["data"] = data
		delete(doc, "stringData")
	}
	return doc
}

func name(doc map[string]interface{}) string {
	meta, _ := doc["metadata"].(map[string]interface{})
	n, _ := meta["name"].(string)
	return n
}

// kubectlJSON runs kubectl with doc on standard input and decodes its JSON output.
func kubectlJSON(ctx context.Context, verb, flag, file, outFlag, format string, doc map[string]interface{}) map[string]interface{} {
	GinkgoHelper()
	in, err := json.Marshal(doc)
	Expect(err).NotTo(HaveOccurred())
	cmd := exec.CommandContext(ctx, filepath.Join(env.BinDir, "kubectl"), "--kubeconfig", env.KubeconfigPath, verb, flag, file, outFlag, format)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	Expect(err).NotTo(HaveOccurred(), string(out))
	var stored map[string]interface{}
	Expect(json.Unmarshal(out, &stored)).To(Succeed())
	if stored["kind"] == "List" {
		items, _ := stored["items"].([]interface{})
		Expect(items).To(HaveLen(1))
		stored, _ = items[0].(map[string]interface{})
	}
	return stored
}

// subsetDiff lists the paths where want, the applied manifest, is not contained in got,
// the stored object. Durations and quantities compare by value ("5m" equals "5m0s").
func subsetDiff(path string, want, got interface{}) []string {
	switch w := want.(type) {
	case map[string]interface{}:
		g, ok := got.(map[string]interface{})
		if len(w) == 0 && got == nil {
			return nil
		}
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %v", path, got)}
		}
		var diffs []string
		for k, v := range w {
			diffs = append(diffs, subsetDiff(path+"."+k, v, g[k])...)
		}
		return diffs
	case []interface{}:
		// Defaulting may add elements (a project's owner joins its members), so every
		// wanted element must be found among the stored ones.
		g, ok := got.([]interface{})
		if len(w) == 0 && got == nil {
			return nil // an empty list is not stored (omitempty)
		}
		if !ok {
			return []string{fmt.Sprintf("%s: want a list, got %v", path, got)}
		}
		var diffs []string
		for i := range w {
			found := false
			for j := range g {
				if len(subsetDiff("", w[i], g[j])) == 0 {
					found = true
					break
				}
			}
			if !found {
				diffs = append(diffs, fmt.Sprintf("%s[%d]: %v is not stored (got %v)", path, i, w[i], got))
			}
		}
		return diffs
	default:
		if fmt.Sprint(want) == fmt.Sprint(got) || sameValue(fmt.Sprint(want), fmt.Sprint(got)) {
			return nil
		}
		return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
	}
}

func sameValue(a, b string) bool {
	if da, err := time.ParseDuration(a); err == nil {
		if db, err := time.ParseDuration(b); err == nil {
			return da == db
		}
	}
	if qa, err := resource.ParseQuantity(a); err == nil {
		if qb, err := resource.ParseQuantity(b); err == nil {
			return qa.Cmp(qb) == 0
		}
	}
	return false
}
