/** Berth sys. */
package io.berth.sys;
