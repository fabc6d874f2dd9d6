// The sandbox ("pause") program of the platform's pods (test/platform/build.sh). Not part of the product.
module modelgate.local/test/platform/pause

go 1.24.0
