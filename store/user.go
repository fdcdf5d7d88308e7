package store

// Roles a user can have (PRODUCT.md §2).
const (
	RoleBuyer    = "buyer"
	RoleReviewer = "reviewer"
	RoleSupplier = "supplier"
	RoleAdmin    = "admin"
)

// User is a person who signs in, with their organisation.
type User struct {
	ID      int64
	Email   string
	Name    string
	Role    string
	OrgID   int64
	OrgName string
	OrgType string
	// SupplierID links a supplier user to the supplier whose catalogue they keep.
	SupplierID   int64
	SupplierSlug string
	Active       bool
}

// Is reports whether the user has the given role; a nil user has none.
func (u *User) Is(role string) bool { return u != nil && u.Role == role }
