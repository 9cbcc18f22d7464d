package codeartifact

import "github.com/artifactd/artifactd/internal/service"

// Resource kinds, as the table names them: what each operation's action
// is authorized on (access.go).
const (
	onNothing    = service.ResourceNone
	onDomain     = service.ResourceDomain
	onRepository = service.ResourceRepository
	onPackage    = service.ResourcePackage
	onGroup      = service.ResourceGroup
	onARN        = service.ResourceARN
)

// operations lists all 48 operations; the table is the spec.
var operations = []operation{
	{"POST", "/v1/repository/external-connection", "AssociateExternalConnection", (*Handler).associateExternalConnection, false, onRepository},
	{"POST", "/v1/package/versions/copy", "CopyPackageVersions", (*Handler).copyPackageVersions, false, onPackage},
	{"POST", "/v1/domain", "CreateDomain", (*Handler).createDomain, false, onDomain},
	{"POST", "/v1/package-group", "CreatePackageGroup", (*Handler).createPackageGroup, false, onGroup},
	{"POST", "/v1/repository", "CreateRepository", (*Handler).createRepository, false, onRepository},
	{"DELETE", "/v1/domain", "DeleteDomain", (*Handler).deleteDomain, false, onDomain},
	{"DELETE", "/v1/domain/permissions/policy", "DeleteDomainPermissionsPolicy", (*Handler).deleteDomainPolicy, false, onDomain},
	{"DELETE", "/v1/package", "DeletePackage", (*Handler).deletePackage, false, onPackage},
	{"DELETE", "/v1/package-group", "DeletePackageGroup", (*Handler).deletePackageGroup, false, onGroup},
	{"POST", "/v1/package/versions/delete", "DeletePackageVersions", (*Handler).deletePackageVersions, false, onPackage},
	{"DELETE", "/v1/repository", "DeleteRepository", (*Handler).deleteRepository, false, onRepository},
	{"DELETE", "/v1/repository/permissions/policies", "DeleteRepositoryPermissionsPolicy", (*Handler).deleteRepositoryPolicy, false, onRepository},
	{"GET", "/v1/domain", "DescribeDomain", (*Handler).describeDomain, false, onDomain},
	{"GET", "/v1/package", "DescribePackage", (*Handler).describePackage, false, onPackage},
	{"GET", "/v1/package-group", "DescribePackageGroup", (*Handler).describePackageGroup, false, onGroup},
	{"GET", "/v1/package/version", "DescribePackageVersion", (*Handler).describePackageVersion, false, onPackage},
	{"GET", "/v1/repository", "DescribeRepository", (*Handler).describeRepository, false, onRepository},
	{"DELETE", "/v1/repository/external-connection", "DisassociateExternalConnection", (*Handler).disassociateExternalConnection, false, onRepository},
	{"POST", "/v1/package/versions/dispose", "DisposePackageVersions", (*Handler).disposePackageVersions, false, onPackage},
	{"GET", "/v1/get-associated-package-group", "GetAssociatedPackageGroup", (*Handler).getAssociatedPackageGroup, false, onDomain},
	{"POST", "/v1/authorization-token", "GetAuthorizationToken", (*Handler).getAuthorizationToken, false, onDomain},
	{"GET", "/v1/domain/permissions/policy", "GetDomainPermissionsPolicy", (*Handler).getDomainPolicy, false, onDomain},
	{"GET", "/v1/package/version/asset", "GetPackageVersionAsset", (*Handler).getPackageVersionAsset, false, onPackage},
	{"GET", "/v1/package/version/readme", "GetPackageVersionReadme", (*Handler).getPackageVersionReadme, false, onPackage},
	{"GET", "/v1/repository/endpoint", "GetRepositoryEndpoint", (*Handler).getRepositoryEndpoint, false, onRepository},
	{"GET", "/v1/repository/permissions/policy", "GetRepositoryPermissionsPolicy", (*Handler).getRepositoryPolicy, false, onRepository},
	{"GET", "/v1/package-group-allowed-repositories", "ListAllowedRepositoriesForGroup", (*Handler).listAllowedRepositoriesForGroup, false, onGroup},
	{"GET", "/v1/list-associated-packages", "ListAssociatedPackages", (*Handler).listAssociatedPackages, false, onGroup},
	{"POST", "/v1/domains", "ListDomains", (*Handler).listDomains, false, onNothing},
	{"POST", "/v1/package-groups", "ListPackageGroups", (*Handler).listPackageGroups, false, onDomain},
	{"POST", "/v1/packages", "ListPackages", (*Handler).listPackages, false, onRepository},
	{"POST", "/v1/package/version/assets", "ListPackageVersionAssets", (*Handler).listPackageVersionAssets, false, onPackage},
	{"POST", "/v1/package/version/dependencies", "ListPackageVersionDependencies", (*Handler).listPackageVersionDependencies, false, onPackage},
	{"POST", "/v1/package/versions", "ListPackageVersions", (*Handler).listPackageVersions, false, onPackage},
	{"POST", "/v1/repositories", "ListRepositories", (*Handler).listRepositories, false, onNothing},
	{"POST", "/v1/domain/repositories", "ListRepositoriesInDomain", (*Handler).listRepositoriesInDomain, false, onDomain},
	{"POST", "/v1/package-groups/sub-groups", "ListSubPackageGroups", (*Handler).listSubPackageGroups, false, onGroup},
	{"POST", "/v1/tags", "ListTagsForResource", (*Handler).listTagsForResource, false, onARN},
	{"POST", "/v1/package/version/publish", "PublishPackageVersion", (*Handler).publishPackageVersion, true, onPackage},
	{"PUT", "/v1/domain/permissions/policy", "PutDomainPermissionsPolicy", (*Handler).putDomainPolicy, false, onDomain},
	{"POST", "/v1/package", "PutPackageOriginConfiguration", (*Handler).putPackageOriginConfiguration, false, onPackage},
	{"PUT", "/v1/repository/permissions/policy", "PutRepositoryPermissionsPolicy", (*Handler).putRepositoryPolicy, false, onRepository},
	{"POST", "/v1/tag", "TagResource", (*Handler).tagResource, false, onARN},
	{"POST", "/v1/untag", "UntagResource", (*Handler).untagResource, false, onARN},
	{"PUT", "/v1/package-group", "UpdatePackageGroup", (*Handler).updatePackageGroup, false, onGroup},
	{"PUT", "/v1/package-group-origin-configuration", "UpdatePackageGroupOriginConfiguration", (*Handler).updatePackageGroupOriginConfiguration, false, onGroup},
	{"POST", "/v1/package/versions/update_status", "UpdatePackageVersionsStatus", (*Handler).updatePackageVersionsStatus, false, onPackage},
	{"PUT", "/v1/repository", "UpdateRepository", (*Handler).updateRepository, false, onRepository},
}
