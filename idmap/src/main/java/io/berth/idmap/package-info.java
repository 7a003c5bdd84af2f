/** Berth idmap. */
package io.berth.idmap;
