// The page header's menu on small screens and the section navigation of long pages. A plain script from 'self'
// (the CSP allows no inline script); without it the menu stays open and long pages simply have no section list.
(function () {
  "use strict";

  // Runs in <head>: from here on the stylesheet may collapse the menu, because this script will open it again.
  document.documentElement.classList.add("mvim-js");

  function setUpMenu() {
    var button = document.querySelector("[data-mvim-menu-button]");
    var menu = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }
    function isOpen() {
      return button.getAttribute("aria-expanded") === "true";
    }
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("mvim-header__menu--open", open);
    }
    button.addEventListener("click", function () {
      setOpen(!isOpen());
    });
    // Escape closes the open menu and puts the focus back on its button.
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen()) {
        setOpen(false);
        button.focus();
      }
    });
  }

  // <nav data-mvim-section-nav="<selector of the section headings>">: the list is rendered by the server when the
  // page knows its sections, else it is made here from the headings (each needs an id).
  function setUpSectionNav() {
    var nav = document.querySelector("[data-mvim-section-nav]");
    var list = nav && nav.querySelector("ul");
    if (!list) {
      return;
    }
    if (!list.children.length) {
      document.querySelectorAll(nav.getAttribute("data-mvim-section-nav")).forEach(function (heading) {
        if (!heading.id) {
          return;
        }
        var item = document.createElement("li");
        item.className = "utrecht-link-list__item mvim-sidenav__item";
        var link = document.createElement("a");
        link.className = "utrecht-link utrecht-link-list__link mvim-sidenav__link";
        link.href = "#" + heading.id;
        link.textContent = heading.textContent.trim();
        item.appendChild(link);
        list.appendChild(item);
      });
    }
    if (!list.children.length) {
      return;
    }
    nav.hidden = false;
    markCurrentSection(list);
  }

  // While scrolling, the link of the section at the top of the window says it is the current one.
  function markCurrentSection(list) {
    if (!("IntersectionObserver" in window)) {
      return;
    }
    var links = {};
    var targets = [];
    list.querySelectorAll("a[href^='#']").forEach(function (link) {
      var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (target) {
        links[target.id] = link;
        targets.push(target);
      }
    });
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) {
            return;
          }
          Object.keys(links).forEach(function (id) {
            if (id === entry.target.id) {
              links[id].setAttribute("aria-current", "location");
            } else {
              links[id].removeAttribute("aria-current");
            }
          });
        });
      },
      { rootMargin: "0px 0px -70% 0px" },
    );
    targets.forEach(function (target) {
      observer.observe(target);
    });
  }

  function setUp() {
    setUpMenu();
    setUpSectionNav();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
