// Entry point: mounts the app shell into #app.

import { mount } from 'svelte';
import App from './App.svelte';
import './styles/base.css';
import './styles/forms.css';
import './styles/components.css';
import './styles/extras.css';

mount(App, { target: document.getElementById('app')! });
