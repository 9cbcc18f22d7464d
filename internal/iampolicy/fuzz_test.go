package iampolicy

import (
	"strings"
	"testing"
)

var seedDocs = []string{
	benchRepoPolicy,
	benchIdentityPolicy,
	`{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`,
	`{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "NotAction": "codeartifact:Read*", "NotResource": "arn:aws:codeartifact:*:*:repository/d/*"}]}`,
	`{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": ["*", "AIDAJQABLZS4A3QDU576Q"], "Service": "x"}, "Action": "a:b",
	  "Resource": "arn:aws:s3:::b/${aws:username, 'd''x'}/${*}${?}${$}",
	  "Condition": {"ForAllValues:StringLikeIfExists": {"aws:TagKeys": ["${aws:userid}*", 1, true]},
	                "DateGreaterThan": {"aws:CurrentTime": "2024-01-01"}, "NumericLessThan": {"s:n": -1.5e3},
	                "IpAddress": {"aws:SourceIp": ["::/0", "1.2.3.4"]}, "Null": {"x:y": "true"},
	                "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/${aws:username}"}}}}`,
	`{"Version": "2008-10-17", "Id": "x", "Statement": [{"Sid": "1", "Effect": "Allow", "Action": ["*"], "Resource": ["arn:${a}"]}]}`,
	`{"Statement": [`,
	`{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::${aws:username"}}`,
	`[]`, `""`, `{}`, `{"Statement": {}}`,
}

// fuzzRequests derives a few requests from fuzz input strings.
func fuzzRequests(a, b string) []Request {
	ctx := map[string][]string{
		"aws:SourceIp": {a}, "aws:SecureTransport": {b}, "aws:TagKeys": {a, b}, "aws:CurrentTime": {b},
		"aws:MultiFactorAuthAge": {a}, "aws:PrincipalTag/team": {a}, strings.ToUpper(a): {b}, a: nil,
	}
	p := Principal{Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/" + a, Username: a, UserID: b}
	return []Request{
		{Principal: p, Action: a, Resource: b, Context: ctx},
		{Principal: Principal{Account: a, ARN: b, RoleARN: a, UserID: a + ":" + b, Root: len(a)%2 == 0}, Action: "codeartifact:" + b, Resource: "arn:aws:codeartifact:us-east-1:" + a + ":repository/" + b},
		{Principal: p, Action: "a:b", Resource: "arn:aws:s3:::b/" + a},
	}
}

// FuzzParse: Parse never panics; whatever it accepts validates and
// evaluates without panicking, consistently, and an added Deny of
// everything always wins.
func FuzzParse(f *testing.F) {
	for _, d := range seedDocs {
		f.Add(d, "10.0.0.1", "true")
	}
	denyAll, err := Parse(`{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc, a, b string) {
		p, err := Parse(doc)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, k := range []Kind{IdentityPolicy, ResourcePolicy, TrustPolicy} {
			_ = p.Validate(k)
		}
		for _, req := range fuzzRequests(a, b) {
			for _, acct := range []string{"123456789012", a} {
				d1 := Evaluate(req, []*Policy{p}, p, acct)
				d2 := Evaluate(req, []*Policy{p}, p, acct)
				if d1 != d2 {
					t.Fatalf("nondeterministic: %+v vs %+v", d1, d2)
				}
				checkRef(t, d1.By, p)
				_ = d1.Message(req)
				if d := Evaluate(req, []*Policy{p, denyAll}, p, acct); d.Effect != ExplicitDeny {
					t.Fatalf("Deny * * did not win: %+v", d)
				}
				if d := Evaluate(req, nil, p, acct); d.Effect == Allow && d.CrossAccount && !req.Principal.Root {
					t.Fatalf("cross-account allow without an identity policy: %+v", d)
				}
			}
		}
	})
}

func checkRef(t *testing.T, r StatementRef, p *Policy) {
	t.Helper()
	switch r.Source {
	case SourceIdentity, SourceResource:
		if r.Statement < 0 || r.Statement >= p.Len() || p.Sid(r.Statement) != r.Sid {
			t.Fatalf("bad statement ref %+v", r)
		}
	}
}

// FuzzEvaluate: for the seed policies, arbitrary requests evaluate without
// panicking, and a statement's verdict does not depend on the spelling of
// context key names.
func FuzzEvaluate(f *testing.F) {
	var pols []*Policy
	for _, d := range seedDocs {
		if p, err := Parse(d); err == nil {
			pols = append(pols, p)
		}
	}
	f.Add("codeartifact:ReadFromRepository", "arn:aws:codeartifact:us-east-1:111122223333:repository/corp/prod", "10.1.2.3", "true", "111122223333")
	f.Add("s3:GetObject", "arn:aws:s3:::b/alice/*", "::ffff:1.2.3.4", "2024-01-01T00:00:00Z", "")
	f.Add("a:b", "*", "", "", "x")
	f.Fuzz(func(t *testing.T, action, resource, a, b, acct string) {
		for _, req := range fuzzRequests(a, b) {
			req.Action, req.Resource = action, resource
			lower := req
			lower.Context = map[string][]string{}
			for k, v := range req.Context {
				lower.Context[strings.ToLower(k)] = v
			}
			for _, p := range pols {
				d := Evaluate(req, pols, p, acct)
				if d.By.Source == SourceResource {
					checkRef(t, d.By, p)
				} else if d.By.Source == SourceIdentity {
					checkRef(t, d.By, pols[d.By.Policy])
				}
				// Lower-casing keys changes nothing unless two keys
				// collided (a is a key too).
				if len(lower.Context) == len(req.Context) {
					if d2 := Evaluate(lower, pols, p, acct); d2.Effect != d.Effect {
						t.Fatalf("key spelling changed the decision: %v vs %v", d.Effect, d2.Effect)
					}
				}
			}
		}
	})
}
