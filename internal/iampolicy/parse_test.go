package iampolicy

import (
	"errors"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name, doc string
		version   string
		n         int
	}{
		{"repository policy from the user guide", `{
			"Version": "2012-10-17",
			"Statement": [{
				"Action": ["codeartifact:DescribePackageVersion", "codeartifact:DescribeRepository",
					"codeartifact:GetPackageVersionReadme", "codeartifact:GetRepositoryEndpoint",
					"codeartifact:ListPackages", "codeartifact:ListPackageVersions",
					"codeartifact:ListPackageVersionAssets", "codeartifact:ListPackageVersionDependencies",
					"codeartifact:ReadFromRepository"],
				"Effect": "Allow",
				"Principal": {"AWS": ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:user/bob"]},
				"Resource": "*"
			}]}`, Version2012, 1},
		{"single statement object, no Version", `{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}`, Version2008, 1},
		{"Version 2008 and Id", `{"Version": "2008-10-17", "Id": "p1", "Statement": [{"Effect": "Allow", "NotAction": "codeartifact:Delete*", "NotResource": ["arn:aws:codeartifact:us-east-1:123456789012:repository/d/prod"]}]}`, Version2008, 1},
		{"principal forms", `{"Version": "2012-10-17", "Statement": [
			{"Sid": "a", "Effect": "Allow", "Principal": "*", "Action": "codeartifact:*"},
			{"Sid": "b", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "codeartifact:*"},
			{"Sid": "c", "Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "codeartifact:*"},
			{"Sid": "d", "Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::123456789012:role/admin", "AIDAJQABLZS4A3QDU576Q"]}, "Action": "codeartifact:*"},
			{"Sid": "e", "Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com", "Federated": ["cognito-identity.amazonaws.com"], "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, "Action": "codeartifact:*"}
		]}`, Version2012, 5},
		{"every condition operator", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {
			"StringEquals": {"aws:PrincipalAccount": "123456789012"},
			"StringNotEquals": {"aws:PrincipalAccount": ["1", "2"]},
			"StringEqualsIgnoreCase": {"aws:username": "Bob"},
			"StringNotEqualsIgnoreCase": {"aws:username": "Eve"},
			"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/${aws:username}"},
			"StringNotLike": {"aws:PrincipalArn": "*admin*"},
			"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::b"},
			"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"},
			"ArnNotEquals": {"aws:SourceArn": "arn:aws:s3:::c"},
			"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::d*"},
			"Bool": {"aws:SecureTransport": true},
			"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"},
			"BinaryEquals": {"codeartifact:key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="},
			"Null": {"aws:ResourceTag/team": "false"},
			"NumericEquals": {"s:n": 1}, "NumericNotEquals": {"s:n": "2"}, "NumericLessThan": {"s:n": 3.5},
			"NumericLessThanEquals": {"s:n": "-4"}, "NumericGreaterThan": {"s:n": "5e2"}, "NumericGreaterThanEquals": {"s:n": 6},
			"DateEquals": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}, "DateNotEquals": {"aws:CurrentTime": "2024-01-02"},
			"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}, "DateLessThanEquals": {"aws:EpochTime": 1900000000},
			"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00+02:00"}, "DateGreaterThanEquals": {"aws:CurrentTime": "2020-01-01T00:00:00.5Z"},
			"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64", "192.0.2.7"]},
			"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"},
			"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]},
			"ForAllValues:StringLikeIfExists": {"aws:TagKeys": "team-*"},
			"forallvalues:stringequals": {"aws:TagKeys": "x"}
		}}]}`, Version2012, 1},
		{"policy variables and escapes", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "codeartifact:*",
			"Resource": ["arn:aws:codeartifact:*:${aws:PrincipalAccount}:repository/home/${aws:username}",
				"arn:aws:codeartifact:*:*:package/d/r/generic/${*}${?}${$}/${aws:username, 'nobody'}",
				"arn:aws:codeartifact:*:*:package/d/r/generic/${aws:RequestTag/x, 'a:b''c}'}"],
			"Condition": {"StringLike": {"aws:PrincipalArn": "${ aws:PrincipalArn }"}}}]}`, Version2012, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.doc)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.Version() != tt.version || p.Len() != tt.n {
				t.Errorf("Version %q Len %d, want %q %d", p.Version(), p.Len(), tt.version, tt.n)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"bad JSON", `{"Version": "2012-10-17", "Statement": [`, "not valid JSON"},
		{"bad JSON token", `{"Version": "2012-10-17" "Statement": []}`, "not valid JSON"},
		{"trailing data", `{"Statement": {"Effect": "Allow", "Action": "*"}} {}`, "unexpected data"},
		{"empty", `  `, "empty"},
		{"not an object", `["Statement"]`, "must be a JSON object"},
		{"wrong Version", `{"Version": "2012-10-18", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`, `Version "2012-10-18" is not valid`},
		{"Version not a string", `{"Version": 2012, "Statement": {"Effect": "Allow", "Action": "*"}}`, "Version must be a string"},
		{"no Statement", `{"Version": "2012-10-17"}`, "no Statement"},
		{"empty Statement", `{"Version": "2012-10-17", "Statement": []}`, "at least one statement"},
		{"Statement a string", `{"Statement": "Allow"}`, "Statement must be an object or a list"},
		{"unknown top-level element", `{"Version": "2012-10-17", "Statment": [], "Statement": {"Effect": "Allow", "Action": "*"}}`, `unknown policy element "Statment"`},
		{"unknown Effect", `{"Version": "2012-10-17", "Statement": {"Effect": "Permit", "Action": "*", "Resource": "*"}}`, `Effect must be "Allow" or "Deny", not "Permit"`},
		{"lower-case Effect", `{"Statement": {"Effect": "allow", "Action": "*"}}`, `not "allow"`},
		{"no Effect", `{"Statement": {"Action": "*", "Resource": "*"}}`, "no Effect"},
		{"missing Action and NotAction", `{"Version": "2012-10-17", "Statement": {"Sid": "S1", "Effect": "Allow", "Resource": "*"}}`, `statement 1 (Sid "S1"): the statement has neither Action nor NotAction`},
		{"both Action and NotAction", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "codeartifact:*", "NotAction": "codeartifact:Delete*", "Resource": "*"}}`, "either Action or NotAction, not both"},
		{"both Resource and NotResource", `{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "*"}}`, "either Resource or NotResource"},
		{"both Principal and NotPrincipal", `{"Statement": {"Effect": "Allow", "Action": "*", "Principal": "*", "NotPrincipal": {"AWS": "123456789012"}}}`, "either Principal or NotPrincipal"},
		{"unknown statement element", `{"Statement": {"Effect": "Allow", "Action": "*", "Resources": "*"}}`, `unknown statement element "Resources"`},
		{"duplicate element", `{"Statement": {"Effect": "Allow", "Effect": "Deny", "Action": "*"}}`, `"Effect" appears twice`},
		{"action without service", `{"Statement": {"Effect": "Allow", "Action": "ReadFromRepository"}}`, "service prefix"},
		{"action a number", `{"Statement": {"Effect": "Allow", "Action": 5}}`, "Action must be a string or a list of strings"},
		{"empty Action list", `{"Statement": {"Effect": "Allow", "Action": []}}`, "must not be an empty list"},
		{"resource not an ARN", `{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "my-repo"}}`, `must be an ARN or "*"`},
		{"unknown condition operator", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringMatches": {"aws:username": "bob"}}}}`, `unknown condition operator "StringMatches"`},
		{"unknown qualifier", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"ForSomeValues:StringEquals": {"aws:TagKeys": "a"}}}}`, "unknown condition operator"},
		{"NullIfExists", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"NullIfExists": {"aws:username": "true"}}}}`, "Null has no IfExists"},
		{"condition not an object", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": ["StringEquals"]}}`, "Condition must be an object"},
		{"condition key without prefix", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"username": "bob"}}}}`, "service prefix"},
		{"condition key twice", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"aws:username": "bob", "AWS:UserName": "eve"}}}}`, "twice"},
		{"condition value an object", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"aws:username": {"a": "b"}}}}}`, "string, number or boolean"},
		{"condition value list empty", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"aws:username": []}}}}`, "empty"},
		{"bad number", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"NumericLessThan": {"s:n": "ten"}}}}`, "not a number"},
		{"bad date", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "tomorrow"}}}}`, "not a date"},
		{"bad bool", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"Bool": {"aws:SecureTransport": "yes"}}}}`, `"yes" is not "true" or "false"`},
		{"bad IP", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"IpAddress": {"aws:SourceIp": "300.1.1.1/8"}}}}`, "not an IP address"},
		{"bad principal string", `{"Statement": {"Effect": "Allow", "Action": "*", "Principal": "123456789012"}}`, `Principal must be "*" or an object`},
		{"unknown principal key", `{"Statement": {"Effect": "Allow", "Action": "*", "Principal": {"User": "bob"}}}`, `unknown key "User"`},
		{"bad account id", `{"Statement": {"Effect": "Allow", "Action": "*", "Principal": {"AWS": "12345"}}}`, "not a valid principal"},
		{"wildcard principal ARN", `{"Statement": {"Effect": "Allow", "Action": "*", "Principal": {"AWS": "arn:aws:iam::123456789012:user/*"}}}`, "cannot hold wildcards"},
		{"duplicate Sid", `{"Statement": [{"Sid": "x", "Effect": "Allow", "Action": "*"}, {"Sid": "x", "Effect": "Deny", "Action": "*"}]}`, `Sid "x" is already used`},
		{"unterminated variable", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${aws:username"}}`, "no closing"},
		{"empty variable", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${ }"}}`, "empty key"},
		{"unquoted default", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${aws:username, x}"}}`, "single quotes"},
		{"too deep", `{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"a:b": [[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]}}}}`, "levels deep"},
		{"too large", `{"Id": "` + strings.Repeat("x", MaxDocumentSize) + `"}`, "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.doc)
			if err == nil {
				t.Fatalf("Parse succeeded (%d statements), want an error containing %q", p.Len(), tt.want)
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Errorf("error %T is not an *Error", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// Under Version 2008-10-17 there are no policy variables: "${" is text.
func TestParseVersion2008Literal(t *testing.T) {
	p, err := Parse(`{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${aws:username"}}`)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Principal: Principal{Account: "111122223333", Username: "bob"}, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/${aws:username"}
	if d := Evaluate(req, []*Policy{p}, nil, "111122223333"); !d.Allowed() {
		t.Errorf("literal ${ under 2008-10-17: %v", d.Effect)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		doc  string
		kind Kind
		want string // "" for valid
	}{
		{`{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`, IdentityPolicy, ""},
		{`{"Statement": {"Effect": "Allow", "Action": "*"}}`, IdentityPolicy, "must contain Resource or NotResource"},
		{`{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}}`, IdentityPolicy, "must not specify a principal"},
		{`{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "*"}}`, ResourcePolicy, ""},
		{`{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`, ResourcePolicy, "must specify a principal"},
		{`{"Statement": {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}}`, TrustPolicy, ""},
		{`{"Statement": {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole", "Resource": "*"}}`, TrustPolicy, "must not have Resource"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.doc)
		if err != nil {
			t.Fatalf("Parse(%s): %v", tt.doc, err)
		}
		err = p.Validate(tt.kind)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Validate(%s, %d) = %v", tt.doc, tt.kind, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Validate(%s, %d) = %v, want %q", tt.doc, tt.kind, err, tt.want)
		}
	}
}

// Parsing stays linear: a document of many statements, keys and values
// at the size bound parses quickly.
func TestParseLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"Version": "2012-10-17", "Statement": [`)
	for i := 0; b.Len() < MaxDocumentSize-400; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"Effect": "Allow", "Action": ["codeartifact:Read*", "codeartifact:Describe*"], "Resource": "arn:aws:codeartifact:*:*:repository/d/*", "Condition": {"StringLike": {"aws:PrincipalArn": "*a*b*c*"}}}`)
	}
	b.WriteString(`]}`)
	if _, err := Parse(b.String()); err != nil {
		t.Fatal(err)
	}
	// One object with thousands of members: duplicate detection stays linear.
	b.Reset()
	b.WriteString(`{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {`)
	for i := 0; b.Len() < MaxDocumentSize-100; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k:` + strings.Repeat("x", i%7) + itoa(i) + `": "v"`)
	}
	b.WriteString(`}}}}`)
	if _, err := Parse(b.String()); err != nil {
		t.Fatal(err)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
