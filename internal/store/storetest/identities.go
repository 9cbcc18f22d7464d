package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

const (
	acctA = "111122223333"
	acctB = "444455556666"
)

// stamp returns the store's AuthzStamp.
func (f *fx) stamp() int64 {
	f.Helper()
	n, err := f.s.AuthzStamp(f.ctx)
	if err != nil {
		f.Fatalf("AuthzStamp: %v", err)
	}
	return n
}

// changes runs a Write of fn and fails unless it succeeds and changes the
// AuthzStamp.
func (f *fx) changes(what string, fn func(store.Identities) error) {
	f.Helper()
	before := f.stamp()
	if err := f.s.Write(f.ctx, func(tx store.Tx) error { return fn(tx.Identities()) }); err != nil {
		f.Fatalf("%s: %v", what, err)
	}
	if after := f.stamp(); after == before {
		f.Errorf("%s: AuthzStamp stayed %d", what, after)
	}
}

// fails runs a Write of fn and fails unless it returns kind and leaves the
// AuthzStamp alone (the transaction is rolled back).
func (f *fx) fails(what string, kind error, fn func(store.Identities) error) {
	f.Helper()
	before := f.stamp()
	f.wantErr(what, f.s.Write(f.ctx, func(tx store.Tx) error { return fn(tx.Identities()) }), kind)
	if after := f.stamp(); after != before {
		f.Errorf("%s failed but AuthzStamp moved from %d to %d", what, before, after)
	}
}

// readIAM runs fn in a Read and fails unless the AuthzStamp stays put.
func (f *fx) readIAM(fn func(store.Identities) error) {
	f.Helper()
	before := f.stamp()
	f.read(func(tx store.Tx) error { return fn(tx.Identities()) })
	if after := f.stamp(); after != before {
		f.Errorf("a Read moved AuthzStamp from %d to %d", before, after)
	}
}

func (f *fx) iamUser(account, name, path string) domain.IAMUser {
	f.Helper()
	u := domain.IAMUser{Account: account, Name: name, Path: path,
		UserID: "AIDA" + strings.ToUpper(account+name), Created: testTime}
	f.changes("CreateUser "+name, func(ids store.Identities) error { return ids.CreateUser(f.ctx, &u) })
	if u.ID == 0 {
		f.Fatalf("CreateUser(%s) did not set the ID", name)
	}
	return u
}

func (f *fx) iamRole(account, name, path string) domain.IAMRole {
	f.Helper()
	r := domain.IAMRole{Account: account, Name: name, Path: path, RoleID: "AROA" + strings.ToUpper(account+name),
		TrustPolicy: `{"Statement":[]}`, Description: "role " + name, MaxSessionDuration: 3600, Created: testTime}
	f.changes("CreateRole "+name, func(ids store.Identities) error { return ids.CreateRole(f.ctx, &r) })
	if r.ID == 0 {
		f.Fatalf("CreateRole(%s) did not set the ID", name)
	}
	return r
}

// same fails unless got equals want after want's Created is compared as an
// instant and replaced by got's.
func same[T any](f *fx, what string, got, want T, created func(*T) *time.Time) {
	f.Helper()
	f.sameTime(what+" Created", *created(&got), *created(&want))
	*created(&want) = *created(&got)
	if !reflect.DeepEqual(got, want) {
		f.Errorf("%s = %+v\nwant %+v", what, got, want)
	}
}

func userCreated(u *domain.IAMUser) *time.Time { return &u.Created }
func roleCreated(r *domain.IAMRole) *time.Time { return &r.Created }

// testIAMUsers: users are found by name ignoring case and by id, come back
// as created, are unique per account ignoring case, and go with their
// inline policies but not while they have access keys.
func testIAMUsers(f *fx) {
	u := f.iamUser(acctA, "Alice", "/eng/")
	f.readIAM(func(ids store.Identities) error {
		for _, name := range []string{"Alice", "alice", "ALICE"} {
			got, err := ids.GetUser(f.ctx, acctA, name)
			if err != nil {
				return err
			}
			same(f, "GetUser("+name+")", got, u, userCreated)
		}
		got, err := ids.GetUserByID(f.ctx, u.ID)
		if err != nil {
			return err
		}
		same(f, "GetUserByID", got, u, userCreated)
		_, err = ids.GetUser(f.ctx, acctB, "alice")
		f.wantErr("GetUser in another account", err, domain.ErrNotFound)
		_, err = ids.GetUser(f.ctx, acctA, "bob")
		f.wantErr("GetUser of a missing user", err, domain.ErrNotFound)
		_, err = ids.GetUserByID(f.ctx, u.ID+1000)
		f.wantErr("GetUserByID of a missing user", err, domain.ErrNotFound)
		return nil
	})
	f.fails("CreateUser of a taken name in another case", domain.ErrConflict, func(ids store.Identities) error {
		return ids.CreateUser(f.ctx, &domain.IAMUser{Account: acctA, Name: "aLiCe", Path: "/", UserID: "AIDAOTHER"})
	})
	other := f.iamUser(acctB, "alice", "/") // the same name in another account
	if other.ID == u.ID {
		f.Errorf("two users share id %d", u.ID)
	}

	// A user with an access key cannot be deleted; without, it goes, and
	// its inline policies (should any be left) with it.
	key := domain.AccessKey{AccessKeyID: "AKIAALICE", Account: acctA, UserRowID: u.ID, SealedSecret: []byte{1},
		Status: domain.KeyActive, Created: testTime}
	f.changes("CreateAccessKey", func(ids store.Identities) error { return ids.CreateAccessKey(f.ctx, key) })
	f.changes("PutPolicy", func(ids store.Identities) error {
		return ids.PutPolicy(f.ctx, domain.PrincipalUser, u.ID, "p", "{}")
	})
	f.fails("DeleteUser with an access key", domain.ErrConflict, func(ids store.Identities) error {
		return ids.DeleteUser(f.ctx, u.ID)
	})
	f.readIAM(func(ids store.Identities) error {
		_, err := ids.GetUserByID(f.ctx, u.ID)
		return err
	})
	f.changes("DeleteAccessKey", func(ids store.Identities) error { return ids.DeleteAccessKey(f.ctx, key.AccessKeyID) })
	f.changes("DeleteUser", func(ids store.Identities) error { return ids.DeleteUser(f.ctx, u.ID) })
	f.readIAM(func(ids store.Identities) error {
		_, err := ids.GetUser(f.ctx, acctA, "alice")
		f.wantErr("GetUser after DeleteUser", err, domain.ErrNotFound)
		_, err = ids.GetUserByID(f.ctx, u.ID)
		f.wantErr("GetUserByID after DeleteUser", err, domain.ErrNotFound)
		n, err := ids.CountPolicies(f.ctx, domain.PrincipalUser, u.ID)
		if err != nil || n != 0 {
			f.Errorf("policies of the deleted user: %d, %v", n, err)
		}
		_, err = ids.GetUser(f.ctx, acctB, "alice")
		return err
	})
	f.fails("DeleteUser of a deleted user", domain.ErrNotFound, func(ids store.Identities) error {
		return ids.DeleteUser(f.ctx, u.ID)
	})
	// The name is free again; the id is not reused.
	again := f.iamUser(acctA, "alice", "/")
	if again.ID == u.ID {
		f.Errorf("the deleted user's id %d was reused", u.ID)
	}
}

// testIAMRoles: roles as users, and UpdateRole changes exactly the trust
// policy, description and maximum session duration.
func testIAMRoles(f *fx) {
	r := f.iamRole(acctA, "Deployer", "/ci/")
	f.readIAM(func(ids store.Identities) error {
		got, err := ids.GetRole(f.ctx, acctA, "DEPLOYER")
		if err != nil {
			return err
		}
		same(f, "GetRole", got, r, roleCreated)
		_, err = ids.GetRole(f.ctx, acctB, "deployer")
		f.wantErr("GetRole in another account", err, domain.ErrNotFound)
		return nil
	})
	f.fails("CreateRole of a taken name in another case", domain.ErrConflict, func(ids store.Identities) error {
		return ids.CreateRole(f.ctx, &domain.IAMRole{Account: acctA, Name: "deployer", Path: "/", RoleID: "AROAOTHER"})
	})
	f.iamRole(acctB, "deployer", "/")

	upd := r
	upd.Name, upd.Path, upd.RoleID, upd.Account = "ignored", "/ignored/", "AROAIGNORED", acctB
	upd.TrustPolicy, upd.Description, upd.MaxSessionDuration = `{"Version":"2012-10-17"}`, "new", 43200
	f.changes("UpdateRole", func(ids store.Identities) error { return ids.UpdateRole(f.ctx, upd) })
	want := r
	want.TrustPolicy, want.Description, want.MaxSessionDuration = upd.TrustPolicy, upd.Description, upd.MaxSessionDuration
	f.readIAM(func(ids store.Identities) error {
		got, err := ids.GetRole(f.ctx, acctA, "deployer")
		if err != nil {
			return err
		}
		same(f, "GetRole after UpdateRole", got, want, roleCreated)
		return nil
	})
	f.fails("UpdateRole of a missing role", domain.ErrNotFound, func(ids store.Identities) error {
		missing := r
		missing.ID += 1000
		return ids.UpdateRole(f.ctx, missing)
	})

	f.changes("PutPolicy", func(ids store.Identities) error {
		return ids.PutPolicy(f.ctx, domain.PrincipalRole, r.ID, "p", "{}")
	})
	f.changes("DeleteRole", func(ids store.Identities) error { return ids.DeleteRole(f.ctx, r.ID) })
	f.readIAM(func(ids store.Identities) error {
		_, err := ids.GetRole(f.ctx, acctA, "deployer")
		f.wantErr("GetRole after DeleteRole", err, domain.ErrNotFound)
		n, err := ids.CountPolicies(f.ctx, domain.PrincipalRole, r.ID)
		if err != nil || n != 0 {
			f.Errorf("policies of the deleted role: %d, %v", n, err)
		}
		return nil
	})
	f.fails("DeleteRole of a deleted role", domain.ErrNotFound, func(ids store.Identities) error {
		return ids.DeleteRole(f.ctx, r.ID)
	})
}

// testListIAM: users and roles of one account, by name ignoring case, with
// a path prefix, page by page.
func testListIAM(f *fx) {
	// Created out of order, in mixed case; "b" and "B_x" differ from the
	// byte order of their names.
	names := []string{"carol", "B_x", "a", "Dave", "b", "ab"}
	paths := map[string]string{"carol": "/eng/", "B_x": "/eng/ci/", "a": "/", "Dave": "/engineering/", "b": "/eng/", "ab": "/ops/"}
	for _, n := range names {
		f.iamUser(acctA, n, paths[n])
		f.iamRole(acctA, n, paths[n])
	}
	f.iamUser(acctB, "aa", "/")
	f.iamRole(acctB, "aa", "/")
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a", "ab", "b", "B_x", "carol", "Dave"}},
		{"/", []string{"a", "ab", "b", "B_x", "carol", "Dave"}},
		{"/eng/", []string{"b", "B_x", "carol"}},
		{"/eng", []string{"b", "B_x", "carol", "Dave"}},
		{"/eng/ci/", []string{"B_x"}},
		{"/none/", nil},
	} {
		for _, limit := range []int{1, 2, 4, 100} {
			users := listAll(f, limit, func(tx store.Tx, p store.Page) ([]domain.IAMUser, string, error) {
				return tx.Identities().ListUsers(f.ctx, acctA, tc.prefix, p)
			})
			var got []string
			for _, u := range users {
				got = append(got, u.Name)
				if u.Account != acctA || u.Path != paths[u.Name] || u.ID == 0 {
					f.Errorf("listed user %+v", u)
				}
			}
			if !slices.Equal(got, tc.want) {
				f.Errorf("ListUsers(%q) by %d = %q, want %q", tc.prefix, limit, got, tc.want)
			}
			roles := listAll(f, limit, func(tx store.Tx, p store.Page) ([]domain.IAMRole, string, error) {
				return tx.Identities().ListRoles(f.ctx, acctA, tc.prefix, p)
			})
			got = nil
			for _, r := range roles {
				got = append(got, r.Name)
				if r.Account != acctA || r.TrustPolicy == "" || r.MaxSessionDuration != 3600 {
					f.Errorf("listed role %+v", r)
				}
			}
			if !slices.Equal(got, tc.want) {
				f.Errorf("ListRoles(%q) by %d = %q, want %q", tc.prefix, limit, got, tc.want)
			}
		}
	}

	// A cursor of one listing is refused by the others; bad limits too.
	var userCursor, roleCursor string
	f.readIAM(func(ids store.Identities) error {
		var err error
		if _, userCursor, err = ids.ListUsers(f.ctx, acctA, "", store.Page{Limit: 1}); err != nil {
			return err
		}
		_, roleCursor, err = ids.ListRoles(f.ctx, acctA, "", store.Page{Limit: 1})
		return err
	})
	f.readIAM(func(ids store.Identities) error {
		_, _, err := ids.ListUsers(f.ctx, acctA, "", store.Page{After: roleCursor, Limit: 1})
		f.wantErr("ListUsers with a role cursor", err, domain.ErrInvalid)
		_, _, err = ids.ListRoles(f.ctx, acctA, "", store.Page{After: userCursor, Limit: 1})
		f.wantErr("ListRoles with a user cursor", err, domain.ErrInvalid)
		_, _, err = ids.ListPolicies(f.ctx, domain.PrincipalUser, 1, store.Page{After: userCursor, Limit: 1})
		f.wantErr("ListPolicies with a user cursor", err, domain.ErrInvalid)
		_, _, err = ids.ListUsers(f.ctx, acctA, "", store.Page{After: "garbage!", Limit: 1})
		f.wantErr("ListUsers with a malformed cursor", err, domain.ErrInvalid)
		_, _, err = ids.ListUsers(f.ctx, acctA, "", store.Page{Limit: 0})
		f.wantErr("ListUsers with limit 0", err, domain.ErrInvalid)
		_, _, err = ids.ListRoles(f.ctx, acctA, "", store.Page{Limit: -1})
		f.wantErr("ListRoles with limit -1", err, domain.ErrInvalid)
		_, _, err = ids.ListPolicies(f.ctx, domain.PrincipalRole, 1, store.Page{Limit: 0})
		f.wantErr("ListPolicies with limit 0", err, domain.ErrInvalid)
		return nil
	})
}

// testIAMPolicies: inline policies of users and roles, named uniquely per
// identity ignoring case, listed and read in name order.
func testIAMPolicies(f *fx) {
	u := f.iamUser(acctA, "u", "/")
	r := f.iamRole(acctA, "r", "/")
	docs := map[string]string{"Zeta": `{"z":1}`, "alpha": `{"a":1}`, "Beta": "{\"b\":\n\t\"é ✓\"}", "b_2": `{"b2":1}`}
	for _, name := range []string{"Zeta", "alpha", "Beta", "b_2"} {
		f.changes("PutPolicy "+name, func(ids store.Identities) error {
			return ids.PutPolicy(f.ctx, domain.PrincipalUser, u.ID, name, docs[name])
		})
	}
	// The same owner id of the other kind is another identity.
	f.changes("PutPolicy of a role", func(ids store.Identities) error {
		return ids.PutPolicy(f.ctx, domain.PrincipalRole, u.ID, "alpha", `{"role":1}`)
	})
	if r.ID != u.ID {
		f.changes("PutPolicy of a role", func(ids store.Identities) error {
			return ids.PutPolicy(f.ctx, domain.PrincipalRole, r.ID, "other", `{}`)
		})
	}
	wantNames := []string{"alpha", "b_2", "Beta", "Zeta"} // "b_2" < "beta": '_' < 'e'
	f.readIAM(func(ids store.Identities) error {
		for _, name := range wantNames {
			got, err := ids.GetPolicy(f.ctx, domain.PrincipalUser, u.ID, strings.ToUpper(name))
			if err != nil || got != docs[name] {
				f.Errorf("GetPolicy(%s) = %q, %v; want %q", strings.ToUpper(name), got, err, docs[name])
			}
		}
		got, err := ids.GetPolicy(f.ctx, domain.PrincipalRole, u.ID, "alpha")
		if err != nil || got != `{"role":1}` {
			f.Errorf("GetPolicy of the role = %q, %v", got, err)
		}
		_, err = ids.GetPolicy(f.ctx, domain.PrincipalUser, u.ID, "missing")
		f.wantErr("GetPolicy of a missing policy", err, domain.ErrNotFound)
		_, err = ids.GetPolicy(f.ctx, domain.PrincipalUser, u.ID+1000, "alpha")
		f.wantErr("GetPolicy of another user", err, domain.ErrNotFound)
		n, err := ids.CountPolicies(f.ctx, domain.PrincipalUser, u.ID)
		if err != nil || n != len(docs) {
			f.Errorf("CountPolicies = %d, %v; want %d", n, err, len(docs))
		}
		all, err := ids.PolicyDocuments(f.ctx, domain.PrincipalUser, u.ID)
		var want []string
		for _, name := range wantNames {
			want = append(want, docs[name])
		}
		if err != nil || !slices.Equal(all, want) {
			f.Errorf("PolicyDocuments = %q, %v; want %q", all, err, want)
		}
		none, err := ids.PolicyDocuments(f.ctx, domain.PrincipalUser, u.ID+1000)
		if err != nil || len(none) != 0 {
			f.Errorf("PolicyDocuments of a user without policies = %q, %v", none, err)
		}
		return nil
	})
	for _, limit := range []int{1, 3, 10} {
		got := listAll(f, limit, func(tx store.Tx, p store.Page) ([]string, string, error) {
			return tx.Identities().ListPolicies(f.ctx, domain.PrincipalUser, u.ID, p)
		})
		if !slices.Equal(got, wantNames) {
			f.Errorf("ListPolicies by %d = %q, want %q", limit, got, wantNames)
		}
	}

	// Put under a name differing in case replaces the document and keeps
	// the name as created.
	f.changes("PutPolicy replacing", func(ids store.Identities) error {
		return ids.PutPolicy(f.ctx, domain.PrincipalUser, u.ID, "ZETA", `{"z":2}`)
	})
	f.readIAM(func(ids store.Identities) error {
		got, err := ids.GetPolicy(f.ctx, domain.PrincipalUser, u.ID, "zeta")
		if err != nil || got != `{"z":2}` {
			f.Errorf("GetPolicy after replacing = %q, %v", got, err)
		}
		names, _, err := ids.ListPolicies(f.ctx, domain.PrincipalUser, u.ID, store.Page{Limit: 10})
		if err != nil || !slices.Equal(names, wantNames) {
			f.Errorf("ListPolicies after replacing = %q, %v; want %q", names, err, wantNames)
		}
		return nil
	})

	f.changes("DeletePolicy", func(ids store.Identities) error {
		return ids.DeletePolicy(f.ctx, domain.PrincipalUser, u.ID, "BETA")
	})
	f.fails("DeletePolicy of a deleted policy", domain.ErrNotFound, func(ids store.Identities) error {
		return ids.DeletePolicy(f.ctx, domain.PrincipalUser, u.ID, "beta")
	})
	f.readIAM(func(ids store.Identities) error {
		names, _, err := ids.ListPolicies(f.ctx, domain.PrincipalUser, u.ID, store.Page{Limit: 10})
		if want := []string{"alpha", "b_2", "Zeta"}; err != nil || !slices.Equal(names, want) {
			f.Errorf("ListPolicies after DeletePolicy = %q, %v; want %q", names, err, want)
		}
		return nil
	})

	// Kinds other than user and role are refused.
	f.fails("PutPolicy of kind group", domain.ErrInvalid, func(ids store.Identities) error {
		return ids.PutPolicy(f.ctx, "group", u.ID, "p", "{}")
	})
	f.readIAM(func(ids store.Identities) error {
		_, err := ids.GetPolicy(f.ctx, "", u.ID, "alpha")
		f.wantErr("GetPolicy of kind \"\"", err, domain.ErrInvalid)
		_, err = ids.PolicyDocuments(f.ctx, "User", u.ID)
		f.wantErr("PolicyDocuments of kind User", err, domain.ErrInvalid)
		return nil
	})
}

// testAccessKeys: keys come back as created, are listed by creation time,
// change status and go.
func testAccessKeys(f *fx) {
	u := f.iamUser(acctA, "u", "/")
	v := f.iamUser(acctA, "v", "/")
	// Created in an order that is neither the ids' nor the insertions'.
	keys := []domain.AccessKey{
		{AccessKeyID: "AKIA0002", Created: testTime.Add(2 * time.Second)},
		{AccessKeyID: "AKIA0003", Created: testTime},
		{AccessKeyID: "AKIA0001", Created: testTime.Add(time.Second), LastUsed: testTime.Add(time.Hour)},
	}
	for i := range keys {
		keys[i].Account, keys[i].UserRowID, keys[i].Status = acctA, u.ID, domain.KeyActive
		keys[i].SealedSecret = []byte{0, byte(i), 0xff, 'x'}
		f.changes("CreateAccessKey "+keys[i].AccessKeyID, func(ids store.Identities) error {
			return ids.CreateAccessKey(f.ctx, keys[i])
		})
	}
	vKey := domain.AccessKey{AccessKeyID: "AKIAV", Account: acctA, UserRowID: v.ID, SealedSecret: []byte("s"),
		Status: domain.KeyInactive, Created: testTime}
	f.changes("CreateAccessKey of v", func(ids store.Identities) error { return ids.CreateAccessKey(f.ctx, vKey) })

	dup := vKey
	dup.UserRowID = u.ID
	f.fails("CreateAccessKey of a taken id", domain.ErrConflict, func(ids store.Identities) error {
		return ids.CreateAccessKey(f.ctx, dup)
	})
	orphan := vKey
	orphan.AccessKeyID, orphan.UserRowID = "AKIAORPHAN", v.ID+1000
	f.fails("CreateAccessKey of a missing user", domain.ErrNotFound, func(ids store.Identities) error {
		return ids.CreateAccessKey(f.ctx, orphan)
	})
	bad := vKey
	bad.AccessKeyID, bad.Status = "AKIABAD", "active"
	f.fails("CreateAccessKey with status active", domain.ErrInvalid, func(ids store.Identities) error {
		return ids.CreateAccessKey(f.ctx, bad)
	})

	sameKey := func(what string, got, want domain.AccessKey) {
		f.Helper()
		f.sameTime(what+" Created", got.Created, want.Created)
		f.sameTime(what+" LastUsed", got.LastUsed, want.LastUsed)
		want.Created, want.LastUsed = got.Created, got.LastUsed
		if !reflect.DeepEqual(got, want) {
			f.Errorf("%s = %+v\nwant %+v", what, got, want)
		}
	}
	f.readIAM(func(ids store.Identities) error {
		for _, k := range append(keys, vKey) {
			got, err := ids.GetAccessKey(f.ctx, k.AccessKeyID)
			if err != nil {
				return err
			}
			sameKey("GetAccessKey("+k.AccessKeyID+")", got, k)
		}
		_, err := ids.GetAccessKey(f.ctx, "akia0001") // ids are case-sensitive
		f.wantErr("GetAccessKey in lower case", err, domain.ErrNotFound)
		list, err := ids.ListAccessKeys(f.ctx, u.ID)
		if err != nil {
			return err
		}
		want := []domain.AccessKey{keys[1], keys[2], keys[0]}
		if len(list) != len(want) {
			f.Fatalf("ListAccessKeys = %+v, want %+v", list, want)
		}
		for i := range want {
			sameKey("ListAccessKeys["+want[i].AccessKeyID+"]", list[i], want[i])
		}
		none, err := ids.ListAccessKeys(f.ctx, u.ID+1000)
		if err != nil || len(none) != 0 {
			f.Errorf("ListAccessKeys of a missing user = %+v, %v", none, err)
		}
		return nil
	})

	f.changes("SetAccessKeyStatus Inactive", func(ids store.Identities) error {
		return ids.SetAccessKeyStatus(f.ctx, "AKIA0001", domain.KeyInactive)
	})
	f.readIAM(func(ids store.Identities) error {
		got, err := ids.GetAccessKey(f.ctx, "AKIA0001")
		if err != nil || got.Status != domain.KeyInactive {
			f.Errorf("status after SetAccessKeyStatus = %q, %v", got.Status, err)
		}
		return nil
	})
	f.changes("SetAccessKeyStatus Active", func(ids store.Identities) error {
		return ids.SetAccessKeyStatus(f.ctx, "AKIA0001", domain.KeyActive)
	})
	f.fails("SetAccessKeyStatus of a missing key", domain.ErrNotFound, func(ids store.Identities) error {
		return ids.SetAccessKeyStatus(f.ctx, "AKIAMISSING", domain.KeyActive)
	})
	f.fails("SetAccessKeyStatus to an unknown status", domain.ErrInvalid, func(ids store.Identities) error {
		return ids.SetAccessKeyStatus(f.ctx, "AKIA0001", "Revoked")
	})

	f.changes("DeleteAccessKey", func(ids store.Identities) error { return ids.DeleteAccessKey(f.ctx, "AKIA0003") })
	f.fails("DeleteAccessKey of a deleted key", domain.ErrNotFound, func(ids store.Identities) error {
		return ids.DeleteAccessKey(f.ctx, "AKIA0003")
	})
	f.readIAM(func(ids store.Identities) error {
		_, err := ids.GetAccessKey(f.ctx, "AKIA0003")
		f.wantErr("GetAccessKey after DeleteAccessKey", err, domain.ErrNotFound)
		list, err := ids.ListAccessKeys(f.ctx, u.ID)
		if err != nil || len(list) != 2 || list[0].AccessKeyID != "AKIA0001" || list[1].AccessKeyID != "AKIA0002" {
			f.Errorf("ListAccessKeys after DeleteAccessKey = %+v, %v", list, err)
		}
		return nil
	})
}

// testAuthzStamp: resource policy writes change the stamp too; writes
// that are rolled back and reads do not. (Every Identities write is
// checked where it is tested.)
func testAuthzStamp(f *fx) {
	const arn = "arn:aws:codeartifact:us-east-1:111122223333:domain/acme"
	before := f.stamp()
	f.write(func(tx store.Tx) error {
		return tx.Policies().Put(f.ctx, domain.ResourcePolicy{ResourceARN: arn, Revision: "1", Document: "{}"})
	})
	afterPut := f.stamp()
	if afterPut == before {
		f.Errorf("Policies.Put left AuthzStamp at %d", before)
	}
	f.write(func(tx store.Tx) error {
		return tx.Policies().Put(f.ctx, domain.ResourcePolicy{ResourceARN: arn, Revision: "2", Document: "{}"})
	})
	afterReplace := f.stamp()
	if afterReplace == afterPut {
		f.Errorf("Policies.Put replacing left AuthzStamp at %d", afterPut)
	}
	f.write(func(tx store.Tx) error { return tx.Policies().Delete(f.ctx, arn) })
	afterDelete := f.stamp()
	if afterDelete == afterReplace {
		f.Errorf("Policies.Delete left AuthzStamp at %d", afterReplace)
	}
	// Tags too: policies may test aws:ResourceTag.
	for _, w := range []struct {
		name string
		fn   func(tx store.Tx) error
	}{
		{"Tags.Put", func(tx store.Tx) error { return tx.Tags().Put(f.ctx, arn, []domain.Tag{{Key: "k", Value: "v"}}) }},
		{"Tags.Remove", func(tx store.Tx) error { return tx.Tags().Remove(f.ctx, arn, []string{"k"}) }},
		{"Tags.Put before DeleteAll", func(tx store.Tx) error { return tx.Tags().Put(f.ctx, arn, []domain.Tag{{Key: "k", Value: "v"}}) }},
		{"Tags.DeleteAll", func(tx store.Tx) error { return tx.Tags().DeleteAll(f.ctx, arn) }},
	} {
		was := f.stamp()
		f.write(w.fn)
		if f.stamp() == was {
			f.Errorf("%s left AuthzStamp at %d", w.name, was)
		}
	}
	afterDelete = f.stamp()

	// Reads, and writes that roll back, leave it alone.
	f.read(func(tx store.Tx) error {
		_, err := tx.Policies().Get(f.ctx, arn)
		f.wantErr("Get of the deleted policy", err, domain.ErrNotFound)
		return nil
	})
	err := f.writeErr(func(tx store.Tx) error {
		if err := tx.Policies().Put(f.ctx, domain.ResourcePolicy{ResourceARN: arn, Revision: "3", Document: "{}"}); err != nil {
			return err
		}
		u := domain.IAMUser{Account: acctA, Name: "gone", Path: "/", UserID: "AIDAGONE", Created: testTime}
		if err := tx.Identities().CreateUser(f.ctx, &u); err != nil {
			return err
		}
		return domain.Invalid("roll back")
	})
	f.wantErr("the rolled-back Write", err, domain.ErrInvalid)
	if got := f.stamp(); got != afterDelete {
		f.Errorf("a rolled-back Write moved AuthzStamp from %d to %d", afterDelete, got)
	}
	// The stamp is read outside any transaction: also while a Write is
	// open (on SQLite's single write connection too).
	f.write(func(tx store.Tx) error {
		if got := f.stamp(); got != afterDelete {
			f.Errorf("AuthzStamp inside a Write = %d, want %d", got, afterDelete)
		}
		return nil
	})
}

// testAuthzStampConcurrent: while a writer interleaves identity writes
// with other writes, a reader that has seen an identity write committed
// never gets an AuthzStamp from before it (a cached one, say).
func testAuthzStampConcurrent(f *fx) {
	writes, readers := 200, 4
	if raceEnabled {
		writes = 60
	}
	u := f.iamUser(acctA, "u", "/")
	var mu sync.Mutex
	seen := map[int64]int{f.stamp(): 0} // stamp -> the number of policies when it was read
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for i := 1; i <= writes; i++ {
			err := f.s.Write(f.ctx, func(tx store.Tx) error {
				return tx.Identities().PutPolicy(f.ctx, domain.PrincipalUser, u.ID, fmt.Sprintf("p%04d", i), "{}")
			})
			if err == nil { // a write that does not touch identities
				err = f.s.Write(f.ctx, func(tx store.Tx) error {
					return tx.Tags().Put(f.ctx, "arn:d", []domain.Tag{{Key: "i", Value: fmt.Sprint(i)}})
				})
			}
			if err != nil {
				f.Errorf("Write: %v", err)
				return
			}
			stamp, err := f.s.AuthzStamp(f.ctx)
			if err != nil {
				f.Errorf("AuthzStamp: %v", err)
				return
			}
			mu.Lock()
			if n, ok := seen[stamp]; ok {
				f.Errorf("write %d: AuthzStamp %d, the stamp after write %d", i, stamp, n)
			}
			seen[stamp] = i
			mu.Unlock()
		}
	})
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				var n int
				err := f.s.Read(f.ctx, func(tx store.Tx) error {
					var err error
					n, err = tx.Identities().CountPolicies(f.ctx, domain.PrincipalUser, u.ID)
					return err
				})
				if err != nil {
					f.Errorf("Read: %v", err)
					return
				}
				stamp, err := f.s.AuthzStamp(f.ctx)
				if err != nil {
					f.Errorf("AuthzStamp: %v", err)
					return
				}
				mu.Lock()
				before, ok := seen[stamp]
				mu.Unlock()
				if ok && before < n {
					f.Errorf("saw %d policies, then AuthzStamp %d of when there were %d", n, stamp, before)
					return
				}
			}
		})
	}
	wg.Wait()
}
