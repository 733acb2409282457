package registry

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	metatable "k8s.io/apimachinery/pkg/api/meta/table"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
)

var metaDescriptions = metav1.ObjectMeta{}.SwaggerDoc()

// Column is one column of the table that kubectl get prints. Priority 0 columns always
// show; priority 1 columns only with -o wide.
type Column struct {
	Name        string
	Type        string
	Description string
	Priority    int32
	// Cell returns the column's value for one object.
	Cell func(obj runtime.Object) any
}

// NameColumn is the NAME column every table starts with.
var NameColumn = Column{Name: "Name", Type: "string", Description: metaDescriptions["name"], Cell: func(obj runtime.Object) any {
	m, err := meta.Accessor(obj)
	if err != nil {
		return ""
	}
	return m.GetName()
}}

// AgeColumn is the AGE column.
var AgeColumn = Column{Name: "Age", Type: "date", Description: metaDescriptions["creationTimestamp"], Cell: func(obj runtime.Object) any {
	m, err := meta.Accessor(obj)
	if err != nil {
		return "<unknown>"
	}
	return metatable.ConvertToHumanReadableDateType(m.GetCreationTimestamp())
}}

// StringColumn returns a string column whose cell is value(obj), with fallback for an
// empty value.
func StringColumn[T runtime.Object](name, description string, priority int32, fallback string, value func(T) string) Column {
	return Column{Name: name, Type: "string", Description: description, Priority: priority, Cell: func(obj runtime.Object) any {
		t, ok := obj.(T)
		if !ok {
			return fallback
		}
		if v := value(t); v != "" {
			return v
		}
		return fallback
	}}
}

// TableConvertor renders objects and lists as tables with the given columns.
type TableConvertor struct {
	columns []Column
	defs    []metav1.TableColumnDefinition
}

var _ rest.TableConvertor = &TableConvertor{}

// NewTableConvertor returns a convertor for the columns, in order.
func NewTableConvertor(columns ...Column) *TableConvertor {
	defs := make([]metav1.TableColumnDefinition, 0, len(columns))
	for _, c := range columns {
		def := metav1.TableColumnDefinition{Name: c.Name, Type: c.Type, Description: c.Description, Priority: c.Priority}
		if c.Name == NameColumn.Name && c.Type == "string" {
			def.Format = "name"
		}
		defs = append(defs, def)
	}
	return &TableConvertor{columns: columns, defs: defs}
}

// ConvertToTable implements rest.TableConvertor.
func (c *TableConvertor) ConvertToTable(_ context.Context, obj, _ runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{ColumnDefinitions: c.defs}
	if m, err := meta.ListAccessor(obj); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
		table.Continue = m.GetContinue()
		table.RemainingItemCount = m.GetRemainingItemCount()
	} else if m, err := meta.CommonAccessor(obj); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
	}
	var err error
	table.Rows, err = metatable.MetaToTableRow(obj, func(obj runtime.Object, _ metav1.Object, _, _ string) ([]any, error) {
		cells := make([]any, 0, len(c.columns))
		for _, col := range c.columns {
			cells = append(cells, col.Cell(obj))
		}
		return cells, nil
	})
	return table, err
}
