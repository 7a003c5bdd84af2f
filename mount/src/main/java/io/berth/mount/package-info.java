/** Berth mount. */
package io.berth.mount;
