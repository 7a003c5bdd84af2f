/** Berth ct. */
package io.berth.ct;
