package awsquery

import (
	"net/http"
	"strings"
)

// Router serves IAM and STS at one address: it hands each request to the
// service its SigV4 credential scope names (the Authorization header's
// Credential, or a presigned request's X-Amz-Credential), as AWS's own
// endpoints differ by host where artifactd has one. A request signed for
// neither service, or not signed, gets an XML error.
func Router(iam, sts http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch service := scopeService(r); service {
		case "iam":
			iam.ServeHTTP(w, r)
		case "sts":
			sts.ServeHTTP(w, r)
		case "":
			writeErrorXML(w, "", requestID(w), "MissingAuthenticationToken", http.StatusForbidden,
				"Request is missing Authentication Token")
		default:
			writeErrorXML(w, "", requestID(w), "SignatureDoesNotMatch", http.StatusForbidden,
				"Credential should be scoped to correct service: 'iam' or 'sts', not '"+service+"'.")
		}
	})
}

// scopeService returns the service of the request's credential scope
// (keyid/date/region/service/aws4_request), "" when it has none.
func scopeService(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if cred == "" {
		authz := r.Header.Get("Authorization")
		i := strings.Index(authz, "Credential=")
		if i < 0 {
			return ""
		}
		cred = authz[i+len("Credential="):]
		if j := strings.IndexAny(cred, ", "); j >= 0 {
			cred = cred[:j]
		}
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[3] == "" {
		// Malformed: let a service's verifier say exactly what is wrong.
		return "iam"
	}
	return parts[3]
}
